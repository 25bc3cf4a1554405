import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { assertAuthority } from '../../functions/adapters/aws/authority-check';
import { DynamoDbAuthorityLease } from '../../functions/adapters/aws/dynamodb-authority-lease';
import {
  AccessDeniedError,
  AuthorityNotHeldError,
  AuthorityUnreachableError,
  NotFoundError,
} from '../../functions/core/errors';
import { useDynalite } from '../support/dynalite-per-file';

const dynalite = useDynalite();
let table: string;

beforeEach(async () => {
  table = (await dynalite().createTables()).lease;
});

/** A client whose every call fails as an unreachable region does (nothing listens there). */
function unreachableClient(): DynamoDBClient {
  return new DynamoDBClient({
    region: 'eu-central-1',
    endpoint: 'http://127.0.0.1:9',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

describe('Function: assertAuthority', () => {
  it('lets the primary deploy before any failover, without writing the lease', async () => {
    // Act
    const result = await assertAuthority({
      client: dynalite().client,
      tableName: table,
      holder: 'primary',
    });

    // Assert
    expect(result).toMatchObject({ held: true, degraded: false, lease: undefined });
    const items = await dynalite().client.send(new ScanCommand({ TableName: table }));
    expect(items.Count).toBe(0);
  });

  it('refuses the primary once the shadow has taken the lease, and accepts the shadow at its epoch', async () => {
    // Arrange
    const lease = new DynamoDbAuthorityLease(dynalite().client, table);
    const { epoch } = await lease.read();
    const taken = await lease.transfer('shadow', epoch, 'failover');

    // Act
    const primary = assertAuthority({
      client: dynalite().client,
      tableName: table,
      holder: 'primary',
    });
    const shadow = await assertAuthority({
      client: dynalite().client,
      tableName: table,
      holder: 'shadow',
      epoch: taken.epoch,
    });
    const staleShadow = assertAuthority({
      client: dynalite().client,
      tableName: table,
      holder: 'shadow',
      epoch: epoch,
    });

    // Assert
    await expect(primary).rejects.toThrow(AuthorityNotHeldError);
    await expect(primary).rejects.toThrow(/held by shadow at epoch 2/);
    expect(shadow.held).toBe(true);
    await expect(staleShadow).rejects.toThrow(/epoch 1 is stale/);
  });

  it('reads the lease it is told to (a drill keeps its own)', async () => {
    // Arrange
    const drill = new DynamoDbAuthorityLease(dynalite().client, table, { leaseId: 'drill' });
    await drill.transfer('shadow', (await drill.read()).epoch, 'drill');

    // Act
    const production = await assertAuthority({
      client: dynalite().client,
      tableName: table,
      holder: 'primary',
    });
    const inDrill = assertAuthority({
      client: dynalite().client,
      tableName: table,
      holder: 'primary',
      leaseId: 'drill',
    });

    // Assert
    expect(production.held).toBe(true);
    await expect(inDrill).rejects.toThrow(AuthorityNotHeldError);
  });

  it('fails closed by default when the lease cannot be read', async () => {
    // Arrange
    const client = unreachableClient();

    // Act
    const check = assertAuthority({ client, tableName: table, holder: 'primary' });

    // Assert
    await expect(check).rejects.toThrow(AuthorityUnreachableError);
    await expect(check).rejects.toThrow(/refusing to deploy \(fail-closed\)/);
    client.destroy();
  });

  it('lets the caller through, degraded, under fail-open', async () => {
    // Arrange
    const client = unreachableClient();

    // Act
    const result = await assertAuthority({
      client,
      tableName: table,
      holder: 'primary',
      onUnreachable: 'fail-open',
    });

    // Assert
    expect(result.held).toBe(true);
    expect(result.degraded).toBe(true);
    expect(result.reason).toMatch(/deploying anyway \(fail-open\)/);
    client.destroy();
  });

  it('never fails open on a misconfiguration such as a missing table', async () => {
    // Act
    const check = assertAuthority({
      client: dynalite().client,
      tableName: 'no-such-table',
      holder: 'primary',
      onUnreachable: 'fail-open',
    });

    // Assert
    await expect(check).rejects.toThrow(NotFoundError);
    await expect(check).rejects.not.toThrow(AccessDeniedError);
  });
});
