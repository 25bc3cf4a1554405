// Pure pieces of the failover: when a service counts as steady, how polling backs off, how the
// pacer spaces calls at ECS's limits, how throttling is retried, and settings validation.
import { ThrottlingError, ValidationError } from '../../../functions/core/errors';
import { Pacer, withRetry } from '../../../functions/core/failover/pacing';
import { parseFailoverSettings } from '../../../functions/core/failover/settings';
import { judgeService, nextWaitSeconds, POLL } from '../../../functions/core/failover/steady';
import type { ServiceDeployment, ServiceDescription } from '../../../functions/core/model';
import type { Clock } from '../../../functions/core/ports';

const TD = 'arn:aws:ecs:eu-central-1:222222222222:task-definition/web:3';
const TG = 'arn:aws:elasticloadbalancing:eu-central-1:222222222222:targetgroup/web/1';
const expected = { taskDefinitionArn: TD, desiredCount: 2, targetGroupArns: [TG] };

function service(primary: Partial<ServiceDeployment>, extra: Partial<ServiceDescription> = {}) {
  const deployment: ServiceDeployment = {
    id: 'd1',
    status: 'PRIMARY',
    taskDefinition: TD,
    desiredCount: 2,
    runningCount: 2,
    pendingCount: 0,
    rolloutState: 'COMPLETED',
    ...primary,
  };
  return {
    cluster: 'understudy',
    serviceName: 'web',
    taskDefinition: TD,
    desiredCount: 2,
    serviceArn: 'arn:aws:ecs:eu-central-1:222222222222:service/understudy/web',
    status: 'ACTIVE',
    runningCount: deployment.runningCount,
    pendingCount: 0,
    deployments: [deployment],
    ...extra,
  } as ServiceDescription;
}

/** A virtual clock that moves only when slept on. */
function testClock(): Clock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
    slept,
  };
}

describe('Module: failover/steady', () => {
  describe('Function: judgeService', () => {
    it('is steady when the rollout completed, all tasks run and every target is healthy', () => {
      // Act
      const verdict = judgeService(service({}), expected, [
        { targetGroupArn: TG, healthy: 2, other: 0 },
      ]);

      // Assert
      expect(verdict).toEqual({ status: 'steady' });
    });

    it('asks for target health before calling a load-balanced service steady', () => {
      // Act
      const verdict = judgeService(service({}), expected);

      // Assert
      expect(verdict).toMatchObject({ status: 'pending', needsTargets: true });
    });

    it('stays pending while targets are still initial', () => {
      // Act
      const verdict = judgeService(service({}), expected, [
        { targetGroupArn: TG, healthy: 1, other: 1 },
      ]);

      // Assert
      expect(verdict).toMatchObject({
        status: 'pending',
        reason: expect.stringContaining('1 of 2'),
      });
    });

    it('stays pending while fewer tasks run than desired', () => {
      // Act
      const verdict = judgeService(
        service({ runningCount: 1, rolloutState: 'IN_PROGRESS' }),
        expected,
      );

      // Assert
      expect(verdict).toMatchObject({ status: 'pending', needsTargets: false });
    });

    it('reports the circuit breaker when the rollout FAILED', () => {
      // Act
      const verdict = judgeService(service({ rolloutState: 'FAILED', runningCount: 0 }), expected);

      // Assert
      expect(verdict).toMatchObject({ status: 'failed', kind: 'circuit-breaker' });
    });

    it('reports a missing service', () => {
      // Act
      const verdict = judgeService(undefined, expected);

      // Assert
      expect(verdict).toMatchObject({ status: 'failed', kind: 'missing' });
    });

    it('waits while another revision is PRIMARY', () => {
      // Act
      const verdict = judgeService(service({ taskDefinition: `${TD}x` }), expected);

      // Assert
      expect(verdict).toMatchObject({
        status: 'pending',
        reason: expect.stringContaining('PRIMARY'),
      });
    });
  });

  describe('Function: nextWaitSeconds', () => {
    it('polls fast while services settle or the wave is young', () => {
      // Assert
      expect(nextWaitSeconds(30, true, 100)).toBe(POLL.fastSeconds);
      expect(nextWaitSeconds(5, false, 3)).toBe(POLL.fastSeconds);
    });

    it('backs off by 1.5x to 30 s once nothing moves for long', () => {
      // Assert
      expect(nextWaitSeconds(10, false, POLL.fastPolls)).toBe(15);
      expect(nextWaitSeconds(25, false, POLL.fastPolls + 5)).toBe(POLL.maxSeconds);
    });
  });
});

describe('Module: failover/pacing', () => {
  describe('Class: Pacer', () => {
    it('lets the burst of 50 UpdateService calls go at once, then 5 per second', async () => {
      // Arrange
      const clock = testClock();
      const pacer = new Pacer(clock);

      // Act
      for (let i = 0; i < 60; i += 1) await pacer.beforeServiceCall(0);

      // Assert: 10 calls beyond the burst at 5/s take 2 s.
      expect(clock.now()).toBe(2000);
    });

    it('paces task launches at 20/s beyond the burst of 100 across calls', async () => {
      // Arrange
      const clock = testClock();
      const pacer = new Pacer(clock);

      // Act: 3 services of 60 tasks: 180 tasks, 80 beyond the burst.
      for (let i = 0; i < 3; i += 1) await pacer.beforeServiceCall(60);

      // Assert: the third call waits for the launch debt of the second to be paid (20 tasks, 1 s).
      expect(clock.now()).toBe(1050);
    });

    it('carries its levels from one page to the next', async () => {
      // Arrange
      const clock = testClock();
      const first = new Pacer(clock);
      for (let i = 0; i < 50; i += 1) await first.beforeServiceCall(0);

      // Act
      const second = new Pacer(clock, first.state());
      await second.beforeServiceCall(0);

      // Assert
      expect(clock.now()).toBe(200);
    });
  });

  describe('Function: withRetry', () => {
    it('retries throttling with jittered backoff until the call succeeds', async () => {
      // Arrange
      const clock = testClock();
      let calls = 0;

      // Act
      const result = await withRetry(
        clock,
        () => 0.5,
        async () => {
          calls += 1;
          if (calls < 3) throw new ThrottlingError('ecs:UpdateService');
          return 'ok';
        },
      );

      // Assert
      expect(result).toBe('ok');
      expect(clock.slept).toEqual([200, 400]);
    });

    it('does not retry a permanent error', async () => {
      // Arrange
      const clock = testClock();

      // Act
      const failure = withRetry(
        clock,
        () => 0.5,
        async () => {
          throw new ValidationError('bad');
        },
      );

      // Assert
      await expect(failure).rejects.toBeInstanceOf(ValidationError);
      expect(clock.slept).toEqual([]);
    });
  });
});

describe('Module: failover/settings', () => {
  describe('Function: parseFailoverSettings', () => {
    it('names the bad key of a traffic route', () => {
      // Act
      const parse = () =>
        parseFailoverSettings({
          traffic: { 'shop/web': { kind: 'arc-routing-control', clusterEndpoints: [] } },
        });

      // Assert
      expect(parse).toThrow(ValidationError);
      expect(parse).toThrow(/traffic\.shop\/web\.stagingRoutingControlArn/);
    });

    it('applies defaults', () => {
      // Act
      const settings = parseFailoverSettings('{}');

      // Assert
      expect(settings).toEqual({
        planMaxAgeSeconds: 604800,
        traffic: {},
        epochTagKey: 'understudy:authority-epoch',
        sizing: {
          enabled: true,
          quantile: 0.9,
          windowSeconds: 3600,
          maxAgeSeconds: 21_600,
          targetUtilization: 0.6,
          services: {},
        },
      });
    });
  });
});
