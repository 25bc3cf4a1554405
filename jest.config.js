// One jest project per test tier (see README "Test tiers"). `npm test` runs them all;
// `npm run test:<tier>` runs one. SWC strips types only: `tsc --noEmit` checks them.
// The SDK's Node 22 notice would print once per worker; the pinned versions run on Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const transform = {
  '^.+\\.(t|j)s$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
  ],
};

// Every tier: loopback-only sockets and one seed for every fast-check property.
const SETUP_AFTER_ENV = [
  '<rootDir>/test/setup/loopback-only.ts',
  '<rootDir>/test/setup/fast-check-seed.ts',
];

const tier = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  roots: [`<rootDir>/test/${name}`],
  testMatch: ['**/*.test.ts'],
  transform,
  setupFilesAfterEnv: SETUP_AFTER_ENV,
  ...extra,
});

/** @type {import('jest').Config} */
module.exports = {
  // Jest's default is one worker per core but one, a single worker on a 2-core machine. Many
  // suites mostly wait (on moto and dynalite over loopback, on spawned CLI processes, on
  // Chromium), so a second worker there ran the whole suite in 363 s against 655 s (measured
  // on this project's 2-core CI machine).
  maxWorkers: Math.max(2, require('node:os').availableParallelism() - 1),
  // Many tests talk to a moto or dynalite server over loopback or spawn the CLI: with two
  // workers on a busy 2-core machine a dozen calls can outlast jest's 5 s default without
  // anything being wrong. A global option: jest ignores `testTimeout` set on a project.
  testTimeout: 30_000,
  projects: [
    tier('core'),
    tier('adapters', {
      setupFilesAfterEnv: [...SETUP_AFTER_ENV, 'aws-sdk-client-mock-jest'],
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
