// Nest 12 ships as ES modules only, so Jest runs in its native ESM mode
// (`--experimental-vm-modules`, see the `test` script) and ts-jest emits ESM.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  // One migrated database per run, copied by each test app (test/utils/global-setup.mjs).
  globalSetup: '<rootDir>/test/utils/global-setup.mjs',
  testTimeout: 30000,
  maxWorkers: 2,
};
