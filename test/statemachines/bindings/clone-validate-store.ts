// Local bindings of statemachines/clone-validate-store.asl.json: the real step handlers over the
// sandbox cloud and the real DynamoDB repositories (see bin/local/clone-pipeline.ts). The folder
// scan (`every-task-bound.test.ts`) checks these cover every Task state of the file.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  cloneBindings,
  cloneRepositories,
  cloneSubstitutions,
  seedCloneWorld,
} from '../../../bin/local/clone-pipeline';
import type { StateMachineBindings } from '../../../functions/adapters/sandbox/state-machine-runner';

/** Every placeholder of the file with a realistic value. */
export const substitutions = cloneSubstitutions('understudy-inventory');

/**
 * The bindings over a seeded world whose DynamoDB client points at a closed loopback port: the
 * coverage check never runs them; the state-machine tests use `createLocalCloneWorld`.
 */
export function bindings(): StateMachineBindings {
  const seeded = seedCloneWorld({ services: 1 });
  const client = new DynamoDBClient({
    endpoint: 'http://127.0.0.1:9',
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const tables = { inventory: 'inventory', forecasts: 'forecasts', lease: 'lease' };
  return cloneBindings({
    ...seeded,
    ...cloneRepositories(client, tables, seeded.cloud.clock),
    dynamo: { client },
    reports: [],
    failureItems: [],
  });
}
