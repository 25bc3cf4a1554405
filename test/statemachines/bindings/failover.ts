// Local bindings of statemachines/failover.asl.json: the real failover handlers over the sandbox
// cloud (see test/support/failover-world.ts). The folder scan (`every-task-bound.test.ts`)
// checks these cover every Task state of the file.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { cloneRepositories, seedCloneWorld } from '../../../bin/local/clone-pipeline';
import {
  DEFAULT_FAILOVER_CONFIG,
  failoverBindings,
  failoverSubstitutions,
  failoverWorldOf,
  type LocalFailoverWorld,
} from '../../../bin/local/failover-world';
import type { StateMachineBindings } from '../../../functions/adapters/sandbox/state-machine-runner';

const TABLES = { inventory: 'inventory', forecasts: 'forecasts', lease: 'lease' };

/** Every placeholder of the file with a realistic value. */
export const substitutions = failoverSubstitutions(DEFAULT_FAILOVER_CONFIG);

/** A failover world whose DynamoDB client points at a closed loopback port (never called). */
export function localWorld(): LocalFailoverWorld {
  const seeded = seedCloneWorld({ services: 1 });
  const client = new DynamoDBClient({
    endpoint: 'http://127.0.0.1:9',
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return failoverWorldOf({
    ...seeded,
    ...cloneRepositories(client, TABLES, seeded.cloud.clock),
    tables: TABLES,
    // Only `dynamo.client` is read (and never called): a whole dynalite handle is not needed.
    dynamo: { client } as unknown as LocalFailoverWorld['dynamo'],
    reports: [],
    failureItems: [],
  });
}

/** The bindings over {@link localWorld}: the coverage check never runs them. */
export function bindings(): StateMachineBindings {
  return failoverBindings(localWorld(), {}, []);
}
