/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Transpile only: `npm test` type-checks the whole tree once before jest runs.
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  setupFilesAfterEnv: ['<rootDir>/test/support/quiet-runtime.ts'],
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
  // Test files run three at a time, each jest worker in a namespace of its own on the one
  // dev server (global-setup.ts): most of a suite's time is spent waiting on renders,
  // retries and timers, not on CPU, so side by side the run takes a third of the time.
  maxWorkers: 3,
  // Temporal's native runtime keeps handles that jest reports as open (sdk-typescript#928).
  forceExit: true,
};
