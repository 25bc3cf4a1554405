// One jest project per test tier (see README "Test tiers"). `npm test` runs them all;
// `npm run test:<tier>` runs one. SWC strips types only: `tsc --noEmit` checks them.
const transform = {
  '^.+\\.(t|j)s$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
  ],
};

const tier = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  roots: [`<rootDir>/test/${name}`],
  testMatch: ['**/*.test.ts'],
  transform,
  setupFilesAfterEnv: ['<rootDir>/test/setup/loopback-only.ts'],
  ...extra,
});

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    tier('core'),
    tier('adapters', {
      setupFilesAfterEnv: ['<rootDir>/test/setup/loopback-only.ts', 'aws-sdk-client-mock-jest'],
    }),
    tier('aws-api'),
    tier('dynamodb'),
    tier('statemachines', {
      setupFiles: ['<rootDir>/test/setup/promise-with-resolvers.ts'],
    }),
    tier('infra'),
    tier('e2e', { setupFiles: ['<rootDir>/test/setup/promise-with-resolvers.ts'] }),
    tier('iam', { setupFiles: ['<rootDir>/test/setup/promise-with-resolvers.ts'] }),
  ],
};
