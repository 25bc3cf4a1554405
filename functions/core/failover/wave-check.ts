/**
 * One steady check of a wave: reads the services still deploying (DescribeServices in tens, then
 * target health for those ECS reports running), marks each steady, failed (circuit breaker,
 * missing) or timed out (past the per-service timeout), and says whether the wave is done and
 * whether the failures so far cross the partial-failure threshold. Read only on AWS: no fence.
 */
import type { Clock } from '../ports';
import { seededRandom, seedOf, withRetry } from './pacing';
import type {
  FailoverPlatform,
  FailoverRecordStore,
  ServiceOutcome,
  TargetHealthCounts,
} from './ports';
import { judgeService, nextWaitSeconds } from './steady';

/** ECS DescribeServices takes at most 10 services per call. */
const DESCRIBE_BATCH = 10;

/** Input of {@link checkWave}. */
export interface WaveCheckInput {
  readonly executionName: string;
  readonly wave: number;
  /** Polls so far (0 on the first). */
  readonly attempt: number;
  /** The wait that preceded this check. */
  readonly waitSeconds: number;
  readonly serviceTimeoutSeconds: number;
  /** Fraction of the plan's services that may fail before the run fails (0–1). */
  readonly partialFailureThreshold: number;
  /** Services in the whole plan (the threshold's denominator). */
  readonly totalServices: number;
}

/** Result of one check. */
export interface WaveCheckResult {
  readonly wave: number;
  readonly done: boolean;
  readonly steady: number;
  readonly failed: number;
  readonly pending: number;
  readonly attempt: number;
  /** Wait before the next check. */
  readonly waitSeconds: number;
  /** Failures of the whole run so far exceed the threshold. */
  readonly breached: boolean;
  readonly failedTotal: number;
}

/** Checks the wave once. */
export async function checkWave(
  deps: {
    readonly fleet: Pick<FailoverPlatform, 'describeServices' | 'targetHealth'>;
    readonly records: FailoverRecordStore;
    readonly clock: Clock;
  },
  input: WaveCheckInput,
): Promise<WaveCheckResult> {
  const { clock, records, fleet } = deps;
  const random = seededRandom(
    seedOf(`${input.executionName}/${input.wave}/check/${input.attempt}`),
  );
  const retry = <T>(call: () => Promise<T>) => withRetry(clock, random, call);
  const deploying = await records.listServices(input.executionName, {
    wave: input.wave,
    status: 'deploying',
  });
  const byCluster = new Map<string, ServiceOutcome[]>();
  for (const line of deploying) {
    const list = byCluster.get(line.cluster) ?? [];
    list.push(line);
    byCluster.set(line.cluster, list);
  }
  const changed: ServiceOutcome[] = [];
  for (const [cluster, lines] of byCluster) {
    for (let i = 0; i < lines.length; i += DESCRIBE_BATCH) {
      const batch = lines.slice(i, i + DESCRIBE_BATCH);
      const { services } = await retry(() =>
        fleet.describeServices(
          cluster,
          batch.map((line) => line.serviceName),
        ),
      );
      for (const line of batch) {
        const described = services.find((service) => service.serviceName === line.serviceName);
        const expected = {
          taskDefinitionArn: line.taskDefinitionArn,
          desiredCount: line.desiredCount,
          targetGroupArns: line.targetGroupArns,
        };
        let verdict = judgeService(described, expected);
        if (verdict.status === 'pending' && verdict.needsTargets) {
          const targets: TargetHealthCounts[] = [];
          for (const arn of line.targetGroupArns) {
            targets.push(await retry(() => fleet.targetHealth(arn)));
          }
          verdict = judgeService(described, expected, targets);
        }
        const now = clock.now();
        const at = new Date(now).toISOString();
        if (verdict.status === 'steady') {
          changed.push({ ...line, status: 'steady', steadyAt: at });
        } else if (verdict.status === 'failed') {
          changed.push({
            ...line,
            status: 'failed',
            failure: { kind: verdict.kind, message: verdict.message },
          });
        } else if (
          line.deployedAt !== undefined &&
          now - Date.parse(line.deployedAt) > input.serviceTimeoutSeconds * 1000
        ) {
          changed.push({
            ...line,
            status: 'failed',
            failure: {
              kind: 'timeout',
              message: `not steady ${input.serviceTimeoutSeconds} s after deploy: ${verdict.reason}`,
            },
          });
        }
      }
    }
  }
  await records.putServices(input.executionName, changed);

  const lines = await records.listServices(input.executionName, { wave: input.wave });
  const steady = lines.filter((line) => line.status === 'steady').length;
  const failed = lines.filter((line) => line.status === 'failed').length;
  const pending = lines.length - steady - failed;
  const done = pending === 0;
  const progressed = changed.some((line) => line.status === 'steady');
  let failedTotal = failed;
  let breached = false;
  if (done) {
    const all = await records.listServices(input.executionName);
    failedTotal = all.filter((line) => line.status === 'failed').length;
    breached = failedTotal > input.partialFailureThreshold * Math.max(1, input.totalServices);
    await records.update(input.executionName, {
      transitions: [
        {
          phase: `wave-${input.wave}:steady`,
          at: new Date(clock.now()).toISOString(),
          detail: `${steady} steady, ${failed} failed`,
        },
      ],
    });
  }
  return {
    wave: input.wave,
    done,
    steady,
    failed,
    pending,
    attempt: input.attempt + 1,
    waitSeconds: nextWaitSeconds(input.waitSeconds, progressed, input.attempt + 1),
    breached,
    failedTotal,
  };
}
