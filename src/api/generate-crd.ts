// `npm run gen:crd`: writes the CRD generated from the zod schema to deploy/crds/ and into the
// Helm chart's crds/ folder. A unit test fails when either file differs from a fresh generation.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { crdYaml, CRD_PATHS } from './crd-file.js';

const root = process.cwd();
for (const p of CRD_PATHS) {
  mkdirSync(dirname(join(root, p)), { recursive: true });
  writeFileSync(join(root, p), crdYaml());
  console.log(`wrote ${p}`);
}
