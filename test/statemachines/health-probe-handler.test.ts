// The Lambda the health-probe state machine invokes, on its own: event validation, defaults,
// the latency boundary and the production wiring from the environment (no AWS call is made).
import { EcsContainerPlatform } from '../../functions/adapters/aws/ecs-container-platform';
import { AccessDeniedError, ValidationError } from '../../functions/core/errors';
import type { Clock, LoggerLike } from '../../functions/core/ports';
import {
  createHealthProbeHandler,
  handler,
  productionDependencies,
} from '../../functions/handlers/health-probe';
import { EnvironmentError } from '../../functions/shared/env';

const fixedLatency = (latencyMs: number, clusters: readonly string[] = ['shop']) => {
  let now = Date.parse('2026-11-26T08:00:00.000Z');
  const clock: Clock = {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  };
  const logger: LoggerLike = {
    debug: jest.fn(),
    info: jest.fn(),
    warn: jest.fn(),
    error: jest.fn(),
  };
  const listClusters = jest.fn(async () => {
    now += latencyMs;
    return clusters;
  });
  return { clock, logger, listClusters, platform: { listClusters } };
};

describe('Class: health-probe handler', () => {
  describe('Method: handler', () => {
    it('applies the defaults (no expected cluster, a 3000 ms limit inclusive) to an authority-only event', async () => {
      // Arrange
      const deps = fixedLatency(3_000, []);
      const probe = createHealthProbeHandler(deps);

      // Act
      const verdict = await probe({ authority: 'primary' });

      // Assert
      expect(verdict).toEqual({
        authority: 'primary',
        healthy: true,
        latencyMs: 3_000,
        checkedAt: '2026-11-26T08:00:00.000Z',
        clustersSeen: 0,
        reasons: [],
      });
    });

    it('counts an answer one millisecond over the limit as unhealthy', async () => {
      // Arrange
      const deps = fixedLatency(501);
      const probe = createHealthProbeHandler(deps);

      // Act
      const verdict = await probe({
        authority: 'primary',
        expectedClusters: ['shop'],
        maxLatencyMs: 500,
      });

      // Assert
      expect(verdict.healthy).toBe(false);
      expect(verdict.reasons).toEqual([
        'authority answered in 501 ms, slower than the 500 ms limit',
      ]);
    });

    it('logs the verdict with structured keys', async () => {
      // Arrange
      const deps = fixedLatency(20);
      const probe = createHealthProbeHandler(deps);

      // Act
      await probe({ authority: 'primary', expectedClusters: ['shop'] });

      // Assert
      expect(deps.logger.info).toHaveBeenCalledWith('authority probed', {
        authority: 'primary',
        healthy: true,
        latencyMs: 20,
        reasons: [],
      });
    });

    it('rejects an event with an unknown field, naming it, without reading ECS', async () => {
      // Arrange
      const deps = fixedLatency(20);
      const probe = createHealthProbeHandler(deps);

      // Act
      const result = probe({ authority: 'primary', region: 'eu-west-1' });

      // Assert
      await expect(result).rejects.toThrow(ValidationError);
      await expect(result).rejects.toThrow(/region/);
      expect(deps.listClusters).not.toHaveBeenCalled();
    });

    it('rethrows the read error unchanged so the workflow can match its name', async () => {
      // Arrange
      const deps = fixedLatency(20);
      const failure = new AccessDeniedError('ecs:ListClusters', 'explicit deny');
      deps.listClusters.mockRejectedValueOnce(failure);
      const probe = createHealthProbeHandler(deps);

      // Act
      const result = probe({ authority: 'primary' });

      // Assert
      await expect(result).rejects.toBe(failure);
      expect(deps.logger.warn).toHaveBeenCalledWith('authority probe failed', {
        authority: 'primary',
        error: { name: 'AccessDeniedError', message: 'ecs:ListClusters: explicit deny' },
      });
    });

    it('reads its configuration on the first invocation and names a missing variable', async () => {
      // Arrange
      const saved = process.env.PRIMARY_REGION;
      delete process.env.PRIMARY_REGION;

      try {
        // Act
        const result = handler({ authority: 'primary' });

        // Assert
        await expect(result).rejects.toThrow(EnvironmentError);
        await expect(result).rejects.toThrow(/PRIMARY_REGION/);
      } finally {
        if (saved !== undefined) process.env.PRIMARY_REGION = saved;
      }
    });
  });

  describe('Method: productionDependencies', () => {
    it('names the missing read role', () => {
      // Arrange
      const env = { PRIMARY_REGION: 'eu-west-1' };

      // Act
      const act = () => productionDependencies(env);

      // Assert
      expect(act).toThrow(/PRIMARY_READ_ROLE_ARN/);
    });

    it('builds an ECS platform for the primary region from the environment', () => {
      // Arrange
      const env = {
        PRIMARY_REGION: 'eu-west-1',
        PRIMARY_READ_ROLE_ARN: 'arn:aws:iam::111111111111:role/understudy-read',
      };

      // Act
      const deps = productionDependencies(env);

      // Assert
      expect(deps.platform).toBeInstanceOf(EcsContainerPlatform);
    });
  });
});
