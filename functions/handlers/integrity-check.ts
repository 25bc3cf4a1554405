/**
 * Integrity check Lambda (staging region, EventBridge schedule, or invoked by hand for some
 * services): re-validates the latest clone of every protected service against staging and the
 * primary's current revision, records status changes, starts re-clones, and publishes per-service
 * freshness and findings as EMF metrics — what the freshness and integrity alarms watch.
 *
 * Environment (see `functions/shared/pipeline-wiring.ts`; read on the first invocation):
 * `UNDERSTUDY_PIPELINE_SETTINGS`, `PRIMARY_READ_ROLE_ARN`, `INVENTORY_TABLE_NAME`,
 * `CLONE_STATE_MACHINE_ARN`.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import type { ServiceKey } from '../core/model';
import type { Clock, LoggerLike } from '../core/ports';
import {
  type IntegrityPorts,
  type IntegrityReport,
  runIntegrityCheck,
} from '../core/prebake/integrity-run';
import type { PipelineSettings } from '../core/prebake/settings';
import { systemClock } from '../shared/clock';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';
import {
  cloneStarter,
  inventoryRepository,
  pipelineSettings,
  primarySide,
  stagingDependencyProbe,
  stagingSide,
} from '../shared/pipeline-wiring';
import { createLogger, METRICS_NAMESPACE } from '../shared/powertools';

const serviceKeyText = z.string().regex(/^[^/]+\/[^/]+$/, 'must be "cluster/service"');

/**
 * The scheduled EventBridge event, or a manual invocation `{ "services": ["cluster/service"] }`
 * (or `{}` for every protected service).
 */
export const IntegrityCheckEvent = z.union([
  z.looseObject({
    source: z.literal('aws.events'),
    'detail-type': z.literal('Scheduled Event'),
    time: z.iso.datetime(),
  }),
  z.strictObject({
    services: z.array(serviceKeyText).min(1).optional(),
  }),
]);

/** Names of the metrics the check publishes (the alarms in CDK refer to these). */
export const INTEGRITY_METRICS = {
  lag: 'CloneFreshnessLagRevisions',
  age: 'CloneAgeSeconds',
  findings: 'CloneIntegrityFindings',
  errors: 'IntegrityCheckErrors',
  stale: 'CloneStale',
  statusChanges: 'IntegrityStatusChanges',
  reclones: 'IntegrityReclonesStarted',
  /** 1 per run that covered every protected service: its absence is a check that stopped. */
  heartbeat: 'IntegrityCheckHeartbeat',
  /** Services the run could not check or re-clone (the read-errors alarm watches it). */
  failedServices: 'IntegrityCheckFailedServices',
} as const;

/** One datapoint; `service` becomes the `Service` dimension, none for run totals. */
export interface IntegrityMetricPoint {
  readonly name: (typeof INTEGRITY_METRICS)[keyof typeof INTEGRITY_METRICS];
  readonly unit: 'Count' | 'Seconds';
  readonly value: number;
  readonly service?: ServiceKey;
}

/** Where the check's datapoints go: EMF in Lambda ({@link emfIntegrityMetrics}), a list in tests. */
export interface IntegrityMetricSink {
  publish(points: readonly IntegrityMetricPoint[]): void;
}

/** Options of {@link integrityMetricPoints}. */
export interface IntegrityMetricOptions {
  /**
   * The run covered every protected service (scheduled, or a manual run of all): publish the
   * heartbeat. A manual run of a few services says nothing about the schedule.
   * @default false
   */
  readonly fullRun?: boolean;
}

/**
 * The datapoints of a report. Per service: findings, freshness lag and age (when an intact
 * clone exists), stale (0/1) and errors (0 when none). Lag and stale exist only for a service
 * whose primary and staging sides could both be read: an unreadable primary makes them
 * *unknown*, never a breach, and counts in the run's failed services instead. Per run: status
 * changes, re-clones started, failed services, and the heartbeat of a full run.
 */
export function integrityMetricPoints(
  report: IntegrityReport,
  options: IntegrityMetricOptions = {},
): IntegrityMetricPoint[] {
  const services = new Set<ServiceKey>([
    ...report.checked.map((c) => c.service),
    ...report.freshness.map((f) => f.service),
    ...report.errors.map((e) => e.service),
    ...report.notCloned,
  ]);
  const points: IntegrityMetricPoint[] = [];
  for (const service of [...services].sort()) {
    const findings = report.findingsByService[service];
    if (findings) {
      points.push({
        name: INTEGRITY_METRICS.findings,
        unit: 'Count',
        value: findings.length,
        service,
      });
    }
    const freshness = report.freshness.find((f) => f.service === service);
    if (freshness) {
      if (freshness.lagRevisions !== null) {
        points.push({
          name: INTEGRITY_METRICS.lag,
          unit: 'Count',
          value: freshness.lagRevisions,
          service,
        });
      }
      if (freshness.ageSeconds !== null) {
        points.push({
          name: INTEGRITY_METRICS.age,
          unit: 'Seconds',
          value: freshness.ageSeconds,
          service,
        });
      }
      points.push({
        name: INTEGRITY_METRICS.stale,
        unit: 'Count',
        value: freshness.stale ? 1 : 0,
        service,
      });
    }
    points.push({
      name: INTEGRITY_METRICS.errors,
      unit: 'Count',
      value: report.errors.filter((e) => e.service === service).length,
      service,
    });
  }
  points.push(
    { name: INTEGRITY_METRICS.statusChanges, unit: 'Count', value: report.statusChanges.length },
    { name: INTEGRITY_METRICS.reclones, unit: 'Count', value: report.reclonesStarted.length },
    {
      name: INTEGRITY_METRICS.failedServices,
      unit: 'Count',
      value: new Set(report.errors.map((e) => e.service)).size,
    },
  );
  if (options.fullRun) points.push({ name: INTEGRITY_METRICS.heartbeat, unit: 'Count', value: 1 });
  return points;
}

/**
 * A sink writing EMF through Powertools: each per-service datapoint as its own single-metric
 * blob (its own `Service` dimension), the run totals in one flush.
 */
export function emfIntegrityMetrics(emf: Metrics): IntegrityMetricSink {
  return {
    publish(points) {
      for (const point of points) {
        const unit = point.unit === 'Seconds' ? MetricUnit.Seconds : MetricUnit.Count;
        if (point.service === undefined) {
          emf.addMetric(point.name, unit, point.value);
          continue;
        }
        // A single-metric instance flushes (and forgets its dimension) on addMetric.
        const one = emf.singleMetric();
        one.addDimension('Service', point.service);
        one.addMetric(point.name, unit, point.value);
      }
      emf.publishStoredMetrics();
    },
  };
}

/**
 * `service` dimension of this function's metrics: its own, not the pipeline's, because the
 * freshness alarms of the shadow-manager construct select on it.
 */
export const INTEGRITY_METRICS_SERVICE = 'understudy-integrity-check';

/** The Powertools Metrics of this function. */
export function createIntegrityMetrics(): Metrics {
  return new Metrics({ serviceName: INTEGRITY_METRICS_SERVICE, namespace: METRICS_NAMESPACE });
}

/** What the handler needs. */
export interface IntegrityCheckDeps extends IntegrityPorts {
  readonly settings: Pick<PipelineSettings, 'services'>;
  readonly clock: Pick<Clock, 'now'>;
  readonly logger: LoggerLike;
  readonly metrics: IntegrityMetricSink;
  /** Services checked at once. @default 4 */
  readonly concurrency?: number;
}

/** Builds the handler. */
export function createIntegrityCheckHandler(deps: Deps<IntegrityCheckDeps>) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<IntegrityReport> => {
    const input = parseEvent(IntegrityCheckEvent, event, 'integrity-check');
    const d = get();
    const services = 'time' in input ? undefined : input.services;
    const report = await runIntegrityCheck(d, d.settings, d.clock, {
      ...(services ? { services } : {}),
      ...(d.concurrency ? { concurrency: d.concurrency } : {}),
    });
    d.metrics.publish(integrityMetricPoints(report, { fullRun: services === undefined }));
    const summary = {
      checked: report.checked.length,
      statusChanges: report.statusChanges.length,
      reclonesStarted: report.reclonesStarted.length,
      stale: report.freshness.filter((f) => f.stale).map((f) => f.service),
      notCloned: report.notCloned,
      errors: report.errors.length,
    };
    if (report.errors.length > 0 || report.statusChanges.length > 0) {
      d.logger.warn('integrity check found problems', summary);
    } else d.logger.info('integrity check finished', summary);
    return report;
  };
}

/** Lambda entry. */
export const handler = createIntegrityCheckHandler(() => ({
  primary: primarySide(),
  staging: stagingSide(),
  probe: stagingDependencyProbe(),
  inventory: inventoryRepository(),
  starter: cloneStarter(),
  settings: pipelineSettings(),
  clock: systemClock,
  logger: createLogger('integrity-check'),
  metrics: emfIntegrityMetrics(createIntegrityMetrics()),
}));
