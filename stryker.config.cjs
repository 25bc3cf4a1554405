// Mutation testing (`npm run test:mutation`, never part of `npm test`): Stryker mutates the pure
// core files whose behaviour the core tier must pin, and reports every mutant no test kills.
// One file group at a time: `npm run test:mutation -- --mutate functions/core/trigger.ts`.
// Stryker is CPU-heavy and the machine is shared, hence one worker.
const jestConfig = require('./jest.config.js');

const core = jestConfig.projects.find((project) => project.displayName === 'core');
if (core === undefined) throw new Error('jest.config.js has no "core" project');

// MUTATION_TESTS narrows the run to the core tests that pin the file group being mutated
// (comma-separated globs under test/core, e.g. `clone/**/*.test.ts` or `trigger.test.ts`).
// Static mutants (module-level constants: regexes, tables) re-run every selected test, and the
// whole core tier takes ~30 s per run on the shared machine; a narrower set can only kill fewer
// mutants, so a score measured with it is a lower bound.
const narrowed = process.env.MUTATION_TESTS?.split(',')
  .map((glob) => glob.trim())
  .filter((glob) => glob !== '')
  .map((glob) => `<rootDir>/test/core/${glob}`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
module.exports = {
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    // The core tier alone (pure, no network, seconds per run): its project replaces the list of
    // projects read from jest.config.js; `rootDir` stays the sandbox copy's.
    // The end-to-end forecasting and pre-bake suites are left out: each of their tests runs whole
    // forecasts or sandbox clones (seconds per mutant), and the files mutated here must be pinned
    // by their own unit tests, not by a pipeline happening to pass through them.
    config: {
      ...core,
      projects: undefined,
      ...(narrowed?.length ? { roots: ['<rootDir>/test/core'], testMatch: narrowed } : {}),
      testPathIgnorePatterns: [
        '/node_modules/',
        '/test/core/forecast/(engine|models)\\.test\\.ts$',
        '/test/core/forecast-cycle\\.test\\.ts$',
        '/test/core/prebake/',
      ],
    },
    enableFindRelatedTests: true,
  },
  coverageAnalysis: 'perTest',
  concurrency: 1,
  mutate: [
    'functions/core/forecast/calibrate.ts',
    'functions/core/trigger.ts',
    'functions/core/capacity.ts',
    'functions/core/clone/*.ts',
  ],
  // What the sandbox copy does not need (build output, reports, local state).
  ignorePatterns: ['cdk.out', 'coverage', 'reports', '.understudy', 'bench/results'],
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  // Fast-check properties run many cases: give a slow mutant room before calling it a timeout.
  timeoutMS: 10000,
  thresholds: { high: 90, low: 80, break: null },
};
