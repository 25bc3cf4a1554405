// aws-local-stepfunctions 3 uses Promise.withResolvers (Node >= 22); Node 20 lacks it. The
// polyfill lives beside the runner so the CLI and the local drill share this one implementation.
import '../../functions/adapters/sandbox/promise-with-resolvers';
