import {
  DescribeTableCommand,
  ListTablesCommand,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import {
  createTableInput,
  type DynaliteHandle,
  startDynalite,
} from '../../functions/adapters/sandbox/dynalite';
import {
  FORECAST_TABLE,
  INVENTORY_TABLE,
  LEASE_TABLE,
  type TableDefinition,
} from '../../functions/shared/tables';

function describeShape(table: TableDescription | undefined) {
  return {
    keySchema: table?.KeySchema,
    attributes: [...(table?.AttributeDefinitions ?? [])].sort((a, b) =>
      (a.AttributeName ?? '').localeCompare(b.AttributeName ?? ''),
    ),
    indexes: (table?.GlobalSecondaryIndexes ?? []).map((index) => ({
      name: index.IndexName,
      keySchema: index.KeySchema,
      projection: index.Projection?.ProjectionType,
    })),
    billing: table?.BillingModeSummary?.BillingMode,
    status: table?.TableStatus,
  };
}

function expectedShape(def: TableDefinition, name: string) {
  const input = createTableInput(def, name);
  return {
    keySchema: input.KeySchema,
    attributes: [...(input.AttributeDefinitions ?? [])].sort((a, b) =>
      (a.AttributeName ?? '').localeCompare(b.AttributeName ?? ''),
    ),
    indexes: (input.GlobalSecondaryIndexes ?? []).map((index) => ({
      name: index.IndexName,
      keySchema: index.KeySchema,
      projection: index.Projection?.ProjectionType,
    })),
    billing: 'PAY_PER_REQUEST',
    status: 'ACTIVE',
  };
}

describe('Function: startDynalite', () => {
  let dynalite: DynaliteHandle;

  beforeAll(async () => {
    dynalite = await startDynalite();
  });

  afterAll(async () => {
    await dynalite.stop();
  });

  it('listens on a loopback port', () => {
    // Assert
    expect(dynalite.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it.each([
    ['inventory', INVENTORY_TABLE],
    ['forecasts', FORECAST_TABLE],
    ['lease', LEASE_TABLE],
  ] as const)('creates the %s table exactly as its definition says', async (key, def) => {
    // Arrange
    const name = dynalite.tableNames[key];

    // Act
    const described = await dynalite.client.send(new DescribeTableCommand({ TableName: name }));

    // Assert
    expect(describeShape(described.Table)).toEqual(expectedShape(def, name));
  });

  it('creates a fresh set of empty tables on demand', async () => {
    // Act
    const fresh = await dynalite.createTables('fresh');
    const listed = await dynalite.client.send(new ListTablesCommand({}));

    // Assert
    expect(fresh.inventory).not.toBe(dynalite.tableNames.inventory);
    expect(listed.TableNames).toEqual(
      expect.arrayContaining([fresh.inventory, fresh.forecasts, fresh.lease]),
    );
  });
});

describe('Function: createTableInput', () => {
  it('declares each key attribute once and projects GSIs ALL', () => {
    // Act
    const input = createTableInput(INVENTORY_TABLE, 'inv');

    // Assert
    expect(input).toEqual({
      TableName: 'inv',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'gsi1pk', AttributeType: 'S' },
        { AttributeName: 'gsi1sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'gsi1',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
  });

  it('omits GSIs and the sort key when the definition has none', () => {
    // Act
    const input = createTableInput(LEASE_TABLE, 'lease');

    // Assert
    expect(input.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    expect(input.GlobalSecondaryIndexes).toBeUndefined();
  });

  it('refuses an attribute declared with two types', () => {
    // Arrange
    const def: TableDefinition = {
      logicalName: 'Broken',
      partitionKey: { name: 'pk', type: 'S' },
      globalSecondaryIndexes: [{ indexName: 'g', partitionKey: { name: 'pk', type: 'N' } }],
    };

    // Act / Assert
    expect(() => createTableInput(def, 'broken')).toThrow(/declared both S and N/);
  });
});
