import { ConfigError, loadConfig } from '../../lib/config';
import { sampleConfig } from './support';

describe('Function: loadConfig (failover)', () => {
  it('expects manual approval, a one-hour decline-on-timeout and 30 minutes between failovers by default', () => {
    // Act
    const config = loadConfig(sampleConfig());

    // Assert
    expect(config.failover).toEqual({
      approval: { mode: 'manual', timeoutSeconds: 3600, timeoutOutcome: 'declined' },
      minDelayMinutes: 30,
      partialFailureThreshold: 0.1,
      serviceTimeoutSeconds: 900,
      deployPageSize: 50,
      planMaxAgeSeconds: 604800,
      traffic: {},
    });
  });

  it('expects a traffic route for a service that is not listed to fail, naming the key', () => {
    // Arrange
    const config = {
      ...sampleConfig(),
      failover: {
        traffic: {
          'shop/unknown': { kind: 'route53-failover-signal', namespace: 'N', metricName: 'M' },
        },
      },
    };

    // Act
    const load = () => loadConfig(config);

    // Assert
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      /understudy\.failover\.traffic\.shop\/unknown: shop\/unknown is not one of the listed services/,
    );
  });

  it('expects an unknown approval mode and a threshold above 1 to fail', () => {
    // Act
    const load = () =>
      loadConfig({
        ...sampleConfig(),
        failover: { approval: { mode: 'maybe' }, partialFailureThreshold: 2 },
      });

    // Assert
    expect(load).toThrow(/understudy\.failover\.approval\.mode/);
    expect(load).toThrow(/understudy\.failover\.partialFailureThreshold/);
  });
});
