// ESM jest: @kubernetes/client-node 2.x ships ESM only, so tests run as ES modules through ts-jest.
// Three projects, so that a unit run never waits for a service it does not use:
// - unit:        pure code, no processes;
// - integration: real MariaDB, sshd + crm_mon, lua5.1, helm (started by test/services);
// - e2e:         the test bed (etcd + kube-apiserver + the KubeVirt stand-in + the operator).
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};

/** @type {import('jest').Config} */
export default {
  testTimeout: 60_000,
  // Two files at once, one per core. Three were tried: the files' own times rose from 1,698 s to
  // 3,088 s in all (CPU-bound when they overlap), the run took longer, and load races came back.
  maxWorkers: 2,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/services/global-setup.ts',
      globalTeardown: '<rootDir>/test/services/global-teardown.ts',
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/testbed/global-setup.ts',
      globalTeardown: '<rootDir>/test/testbed/global-teardown.ts',
    },
  ],
};
