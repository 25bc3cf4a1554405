// Local bindings of statemachines/clone-batch.asl.json (the child workflow of
// clone-validate-store): the real step handlers over the sandbox cloud and the real DynamoDB
// repositories (see bin/local/clone-pipeline.ts). The folder scan (`every-task-bound.test.ts`)
// checks these cover every Task state of the file.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  cloneBatchSubstitutions,
  cloneBindings,
  cloneRepositories,
  cloneSubstitutions,
  seedCloneWorld,
} from '../../../bin/local/clone-pipeline';
import type { StateMachineBindings } from '../../../functions/adapters/sandbox/state-machine-runner';

const TABLES = { inventory: 'inventory', forecasts: 'forecasts', lease: 'lease' };

/** Every placeholder of the file with a realistic value. */
export const substitutions = cloneBatchSubstitutions(TABLES.inventory);

/** Every placeholder of the parent file (clone-validate-store). */
export const parentSubstitutions = cloneSubstitutions();

/** A seeded world whose DynamoDB client points at a closed loopback port. */
export function localWorld() {
  const seeded = seedCloneWorld({ services: 1 });
  const client = new DynamoDBClient({
    endpoint: 'http://127.0.0.1:9',
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    ...seeded,
    ...cloneRepositories(client, TABLES, seeded.cloud.clock),
    tables: TABLES,
    dynamo: { client },
    reports: [],
    failureItems: [],
  };
}

/** The bindings over {@link localWorld}: the coverage check never runs them. */
export function bindings(): StateMachineBindings {
  return cloneBindings(localWorld());
}
