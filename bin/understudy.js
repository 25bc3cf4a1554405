#!/usr/bin/env node
// Runs the TypeScript CLI directly (tsx), so `npx understudy` works on a fresh clone
// with no build step.

// The AWS SDK warns on every command under Node 20 that its releases after January 2027 will
// need Node 22. The versions pinned in package.json run on Node 20 (see the README's
// prerequisites), so the notice says nothing a user of this CLI can act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
require('./understudy.ts').main();
