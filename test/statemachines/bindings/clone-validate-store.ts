// Local bindings of statemachines/clone-validate-store.asl.json: the real step handlers over the
// sandbox cloud and the real DynamoDB repositories (see bin/local/clone-pipeline.ts), and each
// batch's child execution run from statemachines/clone-batch.asl.json. The folder scan
// (`every-task-bound.test.ts`) checks these cover every Task state of the file.
import { withBatchExecutions } from '../../../bin/local/clone-pipeline';
import type { StateMachineBindings } from '../../../functions/adapters/sandbox/state-machine-runner';
import { bindings as batchBindings, localWorld } from './clone-batch';

/** Every placeholder of the file with a realistic value. */
export { parentSubstitutions as substitutions } from './clone-batch';

/**
 * The bindings over a seeded world whose DynamoDB client points at a closed loopback port: the
 * coverage check never runs them; the state-machine tests use `createLocalCloneWorld`.
 */
export function bindings(): StateMachineBindings {
  return withBatchExecutions(batchBindings(), localWorld());
}
