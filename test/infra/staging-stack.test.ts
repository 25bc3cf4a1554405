import { CfnOutput } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import {
  FORECAST_TABLE,
  INVENTORY_TABLE,
  LEASE_TABLE,
  type TableDefinition,
} from '../../functions/shared/tables';
import { tableEnvName } from '../../lib/constructs/understudy-table';
import { sampleConfig, testApp } from './support';

/** What `AWS::DynamoDB::Table` must say for `definition`: the same source of truth. */
function expectedShape(definition: TableDefinition) {
  const keys = [definition.partitionKey, ...(definition.sortKey ? [definition.sortKey] : [])];
  const indexKeys = definition.globalSecondaryIndexes.flatMap((i) => [
    i.partitionKey,
    ...(i.sortKey ? [i.sortKey] : []),
  ]);
  const attributes = new Map([...keys, ...indexKeys].map((k) => [k.name, k.type]));
  return {
    KeySchema: [
      { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
      ...(definition.sortKey ? [{ AttributeName: definition.sortKey.name, KeyType: 'RANGE' }] : []),
    ],
    AttributeDefinitions: Match.arrayEquals(
      [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    ),
    GlobalSecondaryIndexes:
      definition.globalSecondaryIndexes.length > 0
        ? definition.globalSecondaryIndexes.map((i) => ({
            IndexName: i.indexName,
            KeySchema: [
              { AttributeName: i.partitionKey.name, KeyType: 'HASH' },
              ...(i.sortKey ? [{ AttributeName: i.sortKey.name, KeyType: 'RANGE' }] : []),
            ],
            Projection: { ProjectionType: 'ALL' },
          }))
        : Match.absent(),
    TimeToLiveSpecification: definition.timeToLiveAttribute
      ? { AttributeName: definition.timeToLiveAttribute, Enabled: true }
      : Match.absent(),
  };
}

describe('Class: StagingStack', () => {
  let template: Template;
  let stack: ReturnType<typeof testApp>['staging'];
  beforeAll(() => {
    stack = testApp().staging;
    template = Template.fromStack(stack);
  });

  describe('Method: outputs', () => {
    it('expects the table names, the clone state machine ARN and the copy role ARN as stack outputs', () => {
      // Act
      const outputs = Object.keys(template.findOutputs('*'));

      // Assert
      expect(outputs).toEqual(
        expect.arrayContaining([
          'InventoryTableName',
          'ForecastsTableName',
          'AuthorityLeaseTableName',
          'CloneStateMachineArn',
          // Named in central registries' repository policies (docs/configuration.md).
          'CopyImagesRoleArn',
        ]),
      );
    });
  });

  describe('Method: tables', () => {
    it.each([INVENTORY_TABLE, FORECAST_TABLE, LEASE_TABLE])(
      'expects the $logicalName table to match its shared definition (keys, GSIs, TTL)',
      (definition) => {
        // Arrange
        const logicalId = stack.getLogicalId(
          stack.node.findChild(definition.logicalName).node.findChild('Table').node
            .defaultChild as never,
        );

        // Assert
        template.templateMatches({
          Resources: {
            [logicalId]: { Type: 'AWS::DynamoDB::Table', Properties: expectedShape(definition) },
          },
        });
      },
    );

    it('expects on-demand billing, CMK encryption and point-in-time recovery on every table by default', () => {
      // Assert
      template.resourceCountIs('AWS::DynamoDB::Table', 4); // inventory, forecasts, lease, failover
      template.allResourcesProperties('AWS::DynamoDB::Table', {
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: {
          SSEEnabled: true,
          SSEType: 'KMS',
          KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
        },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      });
    });

    it('expects tables retained with deletion protection by default', () => {
      template.allResources('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
      });
    });

    it('expects the lease table never to be a global table', () => {
      // Arrange
      const leaseId = stack.getLogicalId(stack.leaseTable.table.node.defaultChild as never);

      // Assert
      template.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
      expect(template.toJSON().Resources[leaseId]).toMatchObject({ Type: 'AWS::DynamoDB::Table' });
      expect(template.toJSON().Resources[leaseId].Properties.Replicas).toBeUndefined();
    });

    it('expects no hard-coded table names (the forecasts table the primary writes to gets a generated one)', () => {
      for (const [id, table] of Object.entries(template.findResources('AWS::DynamoDB::Table'))) {
        const name = table.Properties.TableName;
        if (id.startsWith('ForecastsTable')) expect(name).toMatch(/^understudystaging[a-z0-9]+$/);
        else expect({ id, name }).toEqual({ id, name: undefined });
      }
    });

    it('expects a generated table name when a stack in another account references the table', () => {
      // Arrange
      const app = testApp();

      // Act: the forecaster in the primary copies the latest forecasts to staging.
      new CfnOutput(app.observer, 'StagingForecasts', {
        value: app.staging.forecastTable.table.tableName,
      });

      // Assert
      const name = Template.fromStack(app.observer).toJSON().Outputs.StagingForecasts.Value;
      expect(name).toMatch(/^[a-z0-9]+$/);
      Template.fromStack(app.staging).hasResourceProperties('AWS::DynamoDB::Table', {
        TableName: name,
      });
    });

    it('expects tables and key to be destroyed when removalPolicy is destroy', () => {
      // Arrange
      const staging = testApp({ ...sampleConfig(), removalPolicy: 'destroy' }).staging;

      // Act
      const destroyed = Template.fromStack(staging);

      // Assert
      destroyed.allResources('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Delete',
        Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
      });
      destroyed.allResources('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    });
  });

  describe('Method: key', () => {
    it('expects a customer-managed key with rotation by default', () => {
      // The stack's key, the shadow manager's key for staged ECR repositories, and the alarm key.
      template.resourceCountIs('AWS::KMS::Key', 3);
      template.allResourcesProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    });

    it('expects CloudWatch Logs of this region only to use the key for this account', () => {
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Sid: 'AllowCloudWatchLogs',
              Principal: { Service: 'logs.eu-central-1.amazonaws.com' },
              Condition: {
                ArnLike: {
                  'kms:EncryptionContext:aws:logs:arn':
                    'arn:aws:logs:eu-central-1:222222222222:log-group:*',
                },
              },
            }),
          ]),
        },
      });
    });
  });

  describe('Method: environment', () => {
    it('expects the staging account and region from the configuration', () => {
      expect(stack.account).toBe('222222222222');
      expect(stack.region).toBe('eu-central-1');
      expect(stack.defaultEventBusArn).toBe(
        'arn:aws:events:eu-central-1:222222222222:event-bus/default',
      );
    });
  });

  describe('Method: ping', () => {
    it('expects the smoke-test function built by the house construct with an encrypted log group', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: 128,
      });
      template.hasResourceProperties('AWS::Logs::LogGroup', {
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
      });
    });
  });
});

describe('Function: tableEnvName', () => {
  it.each([
    [INVENTORY_TABLE, 'INVENTORY_TABLE_NAME'],
    [FORECAST_TABLE, 'FORECASTS_TABLE_NAME'],
    [LEASE_TABLE, 'AUTHORITY_LEASE_TABLE_NAME'],
  ])('names the env var of $logicalName', (definition, expected) => {
    expect(tableEnvName(definition)).toBe(expected);
  });
});
