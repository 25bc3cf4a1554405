// Local bindings of statemachines/handback.asl.json: the real handback handlers over the sandbox
// cloud (see bin/local/handback-world.ts). The folder scan (`every-task-bound.test.ts`) checks
// these cover every Task state of the file.
import {
  DEFAULT_HANDBACK_CONFIG,
  handbackBindings,
  handbackSubstitutions,
  handbackWorldOf,
} from '../../../bin/local/handback-world';
import type { StateMachineBindings } from '../../../functions/adapters/sandbox/state-machine-runner';
import { localWorld } from './failover';

/** Every placeholder of the file with a realistic value. */
export const substitutions = handbackSubstitutions(DEFAULT_HANDBACK_CONFIG);

/** The bindings over a world that is never called: the coverage check never runs them. */
export function bindings(): StateMachineBindings {
  return handbackBindings(handbackWorldOf(localWorld()));
}
