// Local bindings of statemachines/failover-wave.asl.json (the per-wave child of failover): the
// same bindings as the parent's. The folder scan (`every-task-bound.test.ts`) checks these cover
// every Task state of the file.
import { failoverWaveSubstitutions } from '../../../bin/local/failover-world';

export { bindings } from './failover';

/** Every placeholder of the file with a realistic value. */
export const substitutions = failoverWaveSubstitutions();
