#!/usr/bin/env node
// Runs the TypeScript CLI directly (tsx), so `npx understudy` works on a fresh clone
// with no build step.
require('tsx/cjs');
require('./understudy.ts').main();
