/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  // Synthesis of CDK/CDKTF stacks is CPU-heavy; two workers match the 2-core CI machine.
  maxWorkers: 2,
  testTimeout: 120000,
  globalSetup: '<rootDir>/test/support/global-setup.js',
};
