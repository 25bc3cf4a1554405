// The failover workflow on its happy paths: the real failover ASL files (parent + wave child) run
// by aws-local-stepfunctions, the real failover handlers over the sandbox cloud, an estate
// pre-baked by the real clone pipeline, the real authority lease on dynalite.

import { seededServiceKey } from '../../bin/local/clone-pipeline';
import {
  approveAt,
  createLocalFailoverWorld,
  type LocalFailoverRun,
  type LocalFailoverWorld,
  runFailover,
} from '../../bin/local/failover-world';
import { SandboxTrafficSwitch } from '../../functions/adapters/sandbox/failover-ports';
import { parseFailoverSettings } from '../../functions/core/failover/settings';
import { useDynalite } from '../support/dynalite-per-file';

jest.setTimeout(120_000);

const dynalite = useDynalite();

const ROUTE = {
  kind: 'route53-failover-signal',
  namespace: 'Understudy/Traffic',
  metricName: 'PrimaryEnabled',
  dimensions: [{ name: 'Service', value: 'shop/svc-000' }],
} as const;

describe('State machine: failover (happy)', () => {
  describe('Path: regional outage, manual approval', () => {
    let w: LocalFailoverWorld;
    let run: LocalFailoverRun;
    let startedAtMs: number;
    beforeAll(async () => {
      w = await createLocalFailoverWorld({ services: 12, dynamo: dynalite() });
      w.failoverSettings = parseFailoverSettings({ traffic: { [seededServiceKey(0)]: ROUTE } });
      startedAtMs = w.cloud.clock.now();
      run = await runFailover(w, { approval: approveAt(w.cloud.clock) });
    });

    it('succeeds with every planned service steady', () => {
      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toMatchObject({
        record: { outcome: 'succeeded', totals: { services: 12, steady: 12, failed: 0 } },
      });
    });

    it('asks for approval with the plan summary before taking the lease', () => {
      // Assert
      expect(w.approvalRequests).toHaveLength(1);
      expect(w.approvalRequests[0]).toMatchObject({
        executionName: run.executionName,
        alarm: { name: 'understudy-authority-quorum' },
        planSummary: {
          services: 12,
          waves: [
            { wave: 0, services: 2 },
            { wave: 1, services: 10 },
          ],
        },
        timeoutSeconds: 3600,
      });
      expect(typeof w.approvalRequests[0]?.taskToken).toBe('string');
    });

    it('takes the lease for the shadow at the next epoch and tags every service with it', async () => {
      // Arrange
      const lease = await w.lease.read();
      const lines = await w.records.listServices(run.executionName);

      // Act
      const described = await Promise.all(
        lines.map((line) =>
          w.cloud.containerPlatform(w.staging).describeService(line.cluster, line.serviceName),
        ),
      );

      // Assert
      expect(lease).toMatchObject({
        holder: 'shadow',
        epoch: 2,
        reason: `failover ${run.executionName}`,
      });
      for (const service of described) {
        expect(service.tags).toEqual(
          expect.arrayContaining([{ name: 'understudy:authority-epoch', value: '2' }]),
        );
        expect(service.runningCount).toBe(2);
      }
    });

    it('deploys wave 1 only after every service of wave 0 is steady', async () => {
      // Act
      const lines = await w.records.listServices(run.executionName);

      // Assert
      const lastSteadyOfWave0 = Math.max(
        ...lines.filter((l) => l.wave === 0).map((l) => Date.parse(l.steadyAt ?? '')),
      );
      const firstDeployOfWave1 = Math.min(
        ...lines.filter((l) => l.wave === 1).map((l) => Date.parse(l.deployedAt ?? '')),
      );
      expect(firstDeployOfWave1).toBeGreaterThanOrEqual(lastSteadyOfWave0);
      expect(run.waves.map((wave) => wave.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    });

    it('switches the traffic of the configured service once it is steady', async () => {
      // Act
      const [line] = await w.records.listServices(run.executionName, { wave: 0 });

      // Assert
      expect(w.traffic.routes.get(SandboxTrafficSwitch.idOf(ROUTE))?.direction).toBe('to-staging');
      expect(Date.parse(line?.trafficSwitchedAt ?? '')).toBeGreaterThanOrEqual(
        Date.parse(line?.steadyAt ?? ''),
      );
    });

    it('writes the RTO record and report with detection, approval, epoch, first deploy, steady and traffic times', async () => {
      // Act
      const record = await w.records.get(run.executionName);

      // Assert
      expect(record).toMatchObject({
        outcome: 'succeeded',
        epoch: 2,
        approval: { decision: 'approved' },
      });
      const m = record?.milestones ?? {};
      for (const key of [
        'detected',
        'approved',
        'leaseAcquired',
        'firstDeployCall',
        'allSteady',
        'trafficSwitched',
        'finished',
      ] as const) {
        expect(m[key]).toBeDefined();
      }
      expect(Date.parse(m.detected ?? '')).toBe(startedAtMs);
      expect(Date.parse(m.firstDeployCall ?? '')).toBeLessThanOrEqual(
        Date.parse(m.allSteady ?? ''),
      );
      const report = w.records.reports.get(record?.reportUri ?? '') as {
        services: unknown[];
        finish: { allSteadySeconds: number };
      };
      expect(report.services).toHaveLength(12);
      expect(report.finish.allSteadySeconds).toBeGreaterThan(0);
      expect(record?.transitions.map((t) => t.phase)).toEqual(
        expect.arrayContaining([
          'preflight',
          'lease',
          'wave-0:deploy',
          'wave-0:steady',
          'wave-0:traffic',
          'wave-1:steady',
          'record',
        ]),
      );
    });

    it('notifies the outcome', () => {
      // Assert
      expect(w.notifications).toHaveLength(1);
      expect(w.notifications[0]).toMatchObject({
        subject: 'Understudy failover completed',
        message: { outcome: 'succeeded' },
      });
    });
  });
});
