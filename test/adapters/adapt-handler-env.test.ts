// The adapt Lambda's production wiring: each missing or malformed variable is named.
import { ADAPT_ENV, productionDependencies } from '../../functions/handlers/adapt';
import { EnvironmentError } from '../../functions/shared/env';

const CONFIG = JSON.stringify({
  services: [
    {
      service: 'shop/web',
      staging: { cluster: 'shop', service: 'web' },
      metrics: ['cpu'],
      referenceTasks: 4,
      targetUtilization: 0.6,
    },
  ],
});

const complete = {
  [ADAPT_ENV.config]: CONFIG,
  [ADAPT_ENV.leaseTableName]: 'lease',
  [ADAPT_ENV.forecastTableName]: 'forecasts',
  [ADAPT_ENV.inventoryTableName]: 'inventory',
  AWS_REGION: 'eu-central-1',
};

describe('Function: productionDependencies (adapt)', () => {
  it.each([
    ADAPT_ENV.config,
    ADAPT_ENV.leaseTableName,
    ADAPT_ENV.forecastTableName,
    ADAPT_ENV.inventoryTableName,
  ])('names %s when it is missing', (variable) => {
    // Arrange
    const env = { ...complete, [variable]: undefined };

    // Act
    const build = () => productionDependencies(env);

    // Assert
    expect(build).toThrow(EnvironmentError);
    expect(build).toThrow(new RegExp(variable));
  });

  it('needs the primary read role once a primary region is set', () => {
    // Arrange
    const env = { ...complete, [ADAPT_ENV.primaryRegion]: 'eu-west-1' };

    // Act
    const build = () => productionDependencies(env);

    // Assert
    expect(build).toThrow(/PRIMARY_READ_ROLE_ARN/);
  });

  it('builds every port from a complete environment, the primary metrics only when configured', () => {
    // Act
    const staging = productionDependencies(complete);
    const both = productionDependencies({
      ...complete,
      [ADAPT_ENV.primaryRegion]: 'eu-west-1',
      [ADAPT_ENV.primaryReadRoleArn]: 'arn:aws:iam::111111111111:role/understudy-read',
    });

    // Assert
    expect(staging.primaryMetrics).toBeUndefined();
    expect(both.primaryMetrics).toBeDefined();
    expect(Object.keys(staging).sort()).toEqual(
      [
        'clock',
        'config',
        'forecasts',
        // The handback's adaptation freeze (beside the lease).
        'freeze',
        'inventory',
        'lease',
        // Who holds the lease, published on every run for the dashboard.
        'leaseMetrics',
        'log',
        'logger',
        'platform',
        'stagingMetrics',
      ].sort(),
    );
  });
});
