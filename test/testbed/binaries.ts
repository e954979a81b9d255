// The test bed's view of the control-plane binaries; the build-and-locate logic lives in
// test/support/binaries.ts (one implementation, with a lock for concurrent jest workers).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binDir, binary } from '../support/binaries.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export { binDir };
export const bin = binary;
