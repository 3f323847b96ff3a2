// The tests run on Node 20, which the pinned AWS SDK supports; its notice that later releases will
// need Node 22 (the Lambda's runtime) is noise in every worker.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

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
  setupFilesAfterEnv: ['<rootDir>/test/support/collect-garbage.ts'],
};
