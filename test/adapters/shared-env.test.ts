import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import {
  EnvironmentError,
  optionalString,
  requireAccount,
  requireInteger,
  requireRegion,
  requireRoleArn,
  requireString,
} from '../../functions/shared/env';
import { drillProductionLease } from '../../functions/shared/failover-wiring';
import { HANDBACK_ENV } from '../../functions/shared/handback-env';
import { handbackLeaseIdOf } from '../../functions/shared/handback-wiring';

describe('Module: shared/env', () => {
  describe('Function: requireString', () => {
    it('returns the trimmed value', () => {
      expect(requireString('TABLE', { TABLE: ' inventory ' })).toBe('inventory');
    });

    it('fails naming the variable when it is missing or blank', () => {
      // Act / Assert
      expect(() => requireString('INVENTORY_TABLE', {})).toThrow(EnvironmentError);
      expect(() => requireString('INVENTORY_TABLE', { INVENTORY_TABLE: '  ' })).toThrow(
        'environment variable INVENTORY_TABLE is required but not set',
      );
    });
  });

  describe('Function: optionalString', () => {
    it('falls back when unset', () => {
      expect(optionalString('MODE', 'approval', {})).toBe('approval');
      expect(optionalString('MODE', undefined, {})).toBeUndefined();
      expect(optionalString('MODE', 'approval', { MODE: 'auto' })).toBe('auto');
    });
  });

  describe('Function: requireInteger', () => {
    it('parses, applies the fallback and checks bounds', () => {
      expect(requireInteger('N', {}, { N: '42' })).toBe(42);
      expect(requireInteger('N', { fallback: 5 }, {})).toBe(5);
      expect(() => requireInteger('N', {}, { N: '4.5' })).toThrow('N must be an integer');
      expect(() => requireInteger('N', { min: 1 }, { N: '0' })).toThrow('N must be at least 1');
      expect(() => requireInteger('N', { max: 9 }, { N: '10' })).toThrow('N must be at most 9');
    });
  });

  describe('Function: requireRegion / requireAccount / requireRoleArn', () => {
    it('accepts well-formed values and names the variable otherwise', () => {
      expect(requireRegion('PRIMARY_REGION', { PRIMARY_REGION: 'eu-west-1' })).toBe('eu-west-1');
      expect(() => requireRegion('PRIMARY_REGION', { PRIMARY_REGION: 'Ireland' })).toThrow(
        'PRIMARY_REGION must be an AWS region code',
      );
      expect(requireAccount('ACCOUNT', { ACCOUNT: '111122223333' })).toBe('111122223333');
      expect(() => requireAccount('ACCOUNT', { ACCOUNT: '1234' })).toThrow(
        'ACCOUNT must be a 12-digit',
      );
      const arn = 'arn:aws:iam::111122223333:role/understudy-read';
      expect(requireRoleArn('READ_ROLE_ARN', { READ_ROLE_ARN: arn })).toBe(arn);
      expect(() => requireRoleArn('READ_ROLE_ARN', { READ_ROLE_ARN: 'role' })).toThrow(
        'READ_ROLE_ARN must be an IAM role ARN',
      );
    });
  });
});

describe('Module: shared/handback-wiring', () => {
  it('hands back the authority lease unless the deployment names its own', () => {
    // Act / Assert
    expect(handbackLeaseIdOf({})).toBe('authority');
    expect(handbackLeaseIdOf({ [HANDBACK_ENV.leaseId]: 'drill' })).toBe('drill');
  });
});

describe('Module: shared/failover-wiring (the drill guard’s reader)', () => {
  const ddb = mockClient(DynamoDBClient);
  afterEach(() => ddb.reset());

  it('reads production’s lease in the drill deployment only, by GetItem of LEASE#authority', async () => {
    // Arrange
    ddb.on(GetItemCommand).resolves({});
    const drill = { DRILL_CLUSTER: 'understudy-drill', LEASE_TABLE_NAME: 'lease-table' };

    // Act
    const production = drillProductionLease({ LEASE_TABLE_NAME: 'lease-table' });
    const reader = drillProductionLease(drill);
    const lease = await reader?.peek();

    // Assert: never failed over, and nothing written to find out
    expect(production).toBeUndefined();
    expect(lease).toBeUndefined();
    expect(ddb).toHaveReceivedCommandTimes(GetItemCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(GetItemCommand, {
      TableName: 'lease-table',
      Key: { pk: { S: 'LEASE#authority' } },
      ConsistentRead: true,
    });
    expect(ddb).not.toHaveReceivedCommand(PutItemCommand);
  });
});
