// Local bindings of statemachines/drill.asl.json: the real drill handlers over the sandbox cloud
// and the drill failover child (see bin/local/drill-aws-world.ts). The folder scan
// (`every-task-bound.test.ts`) checks these cover every Task state of the file.
import {
  drillBindings,
  drillSubstitutions,
  drillWorldOf,
} from '../../../bin/local/drill-aws-world';
import type { StateMachineBindings } from '../../../functions/adapters/sandbox/state-machine-runner';
import { localWorld } from './failover';

/** Every placeholder of the file with a realistic value. */
export const substitutions = drillSubstitutions();

/** The bindings over a world whose DynamoDB client is never called. */
export function bindings(): StateMachineBindings {
  return drillBindings(drillWorldOf(localWorld())).bindings;
}
