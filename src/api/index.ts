export * from './names.js';
export * from './spec.js';
export * from './status.js';
export * from './duration.js';
export * from './validate.js';
export type { AcdCluster } from './types.js';
