/**
 * EMF metrics of the authority lease and of the handback and drill workflows, for the
 * `Understudy` dashboard (lib/constructs/dashboard.ts reads the same names from here).
 *
 * The lease is published where it changes hands (the failover's acquire step, the handback's
 * release) and, while the adapt loop is deployed, on every adapt run, so the dashboard has a
 * current value and not only the transitions. Epochs only grow, so the range's maximum epoch is
 * the current one.
 */
import {
  type Metrics,
  MetricUnit,
  Metrics as PowertoolsMetrics,
} from '@aws-lambda-powertools/metrics';
import type { FailoverOutcome } from '../core/failover/ports';
import { SERVICE_NAME } from './powertools';

/** Namespace of `LeaseEpoch` and `LeaseHeldByShadow` (dimension `LeaseId`). */
export const AUTHORITY_METRICS_NAMESPACE = 'Understudy/Authority';
/** Namespace of `HandbackDurationSeconds` (dimension `Outcome`). */
export const HANDBACK_METRICS_NAMESPACE = 'Understudy/Handback';
/** Namespace of `DrillDurationSeconds` and `DrillAllSteadySeconds` (dimension `Outcome`). */
export const DRILL_METRICS_NAMESPACE = 'Understudy/Drill';

/** The metric names, one place for the emitters and the dashboard. */
export const WORKFLOW_METRIC_NAMES = {
  leaseEpoch: 'LeaseEpoch',
  leaseHeldByShadow: 'LeaseHeldByShadow',
  handbackDuration: 'HandbackDurationSeconds',
  drillDuration: 'DrillDurationSeconds',
  drillAllSteady: 'DrillAllSteadySeconds',
} as const;

/** Who holds a lease at which epoch, as the lease metrics report it. */
export interface LeaseSample {
  readonly holder: 'primary' | 'shadow';
  readonly epoch: number;
}

/** Where lease samples go. */
export interface LeaseMetrics {
  publish(sample: LeaseSample): void;
}

/** Where a finished handback's duration goes. */
export interface HandbackMetrics {
  publish(result: { readonly outcome: FailoverOutcome; readonly durationSeconds: number }): void;
}

/** Where a finished drill's durations go. */
export interface DrillMetrics {
  publish(record: {
    readonly outcome: string;
    readonly startedAt: string;
    readonly tornDownAt: string;
    readonly allSteadySeconds?: number;
  }): void;
}

const metricsIn = (namespace: string): Metrics =>
  new PowertoolsMetrics({ serviceName: SERVICE_NAME, namespace });

/** EMF lease samples for lease item `leaseId` (`authority` in production, `drill` for drills). */
export function emfLeaseMetrics(
  leaseId: string,
  metrics = metricsIn(AUTHORITY_METRICS_NAMESPACE),
): LeaseMetrics {
  return {
    publish({ holder, epoch }) {
      metrics.addDimension('LeaseId', leaseId);
      metrics.addMetric(WORKFLOW_METRIC_NAMES.leaseEpoch, MetricUnit.Count, epoch);
      metrics.addMetric(
        WORKFLOW_METRIC_NAMES.leaseHeldByShadow,
        MetricUnit.Count,
        holder === 'shadow' ? 1 : 0,
      );
      metrics.publishStoredMetrics();
    },
  };
}

/** EMF duration of a finished handback (detection of the primary's return to the record). */
export function emfHandbackMetrics(
  metrics = metricsIn(HANDBACK_METRICS_NAMESPACE),
): HandbackMetrics {
  return {
    publish({ outcome, durationSeconds }) {
      metrics.addDimension('Outcome', outcome);
      metrics.addMetric(
        WORKFLOW_METRIC_NAMES.handbackDuration,
        MetricUnit.Seconds,
        durationSeconds,
      );
      metrics.publishStoredMetrics();
    },
  };
}

/** EMF durations of a finished drill: start to torn down, and (when reached) to all steady. */
export function emfDrillMetrics(metrics = metricsIn(DRILL_METRICS_NAMESPACE)): DrillMetrics {
  return {
    publish({ outcome, startedAt, tornDownAt, allSteadySeconds }) {
      metrics.addDimension('Outcome', outcome);
      const seconds = (Date.parse(tornDownAt) - Date.parse(startedAt)) / 1000;
      if (Number.isFinite(seconds) && seconds >= 0) {
        metrics.addMetric(WORKFLOW_METRIC_NAMES.drillDuration, MetricUnit.Seconds, seconds);
      }
      if (allSteadySeconds !== undefined) {
        metrics.addMetric(
          WORKFLOW_METRIC_NAMES.drillAllSteady,
          MetricUnit.Seconds,
          allSteadySeconds,
        );
      }
      metrics.publishStoredMetrics();
    },
  };
}
