/**
 * The drill history as a trend: one row per drill, oldest first, with the RTO (detection to
 * every service steady) and its change from the previous successful drill, and the median RTO of
 * the successful ones. What an operator reads to see whether failover is getting slower.
 */
import type { DrillRecord } from './ports';

/** One row of the trend. */
export interface DrillTrendRow {
  readonly drillName: string;
  readonly startedAt: string;
  readonly outcome: DrillRecord['outcome'];
  readonly rtoSeconds?: number;
  /** RTO minus the previous successful drill's; undefined for the first or a failed one. */
  readonly deltaSeconds?: number;
  readonly servicesDeleted: number;
  /** Why a drill that did not succeed failed, was aborted or was refused. */
  readonly reason?: string;
}

/** The trend and its summary. */
export interface DrillTrend {
  readonly rows: readonly DrillTrendRow[];
  readonly succeeded: number;
  readonly failedOrAborted: number;
  readonly medianRtoSeconds?: number;
  /** Last successful RTO minus the first (positive: slower). */
  readonly driftSeconds?: number;
}

const round = (value: number): number => Math.round(value * 100) / 100;

/** Builds the trend of `records` (any order). */
export function drillTrend(records: readonly DrillRecord[]): DrillTrend {
  const sorted = [...records].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const rows: DrillTrendRow[] = [];
  const rtos: number[] = [];
  let previous: number | undefined;
  for (const record of sorted) {
    const rto = record.outcome === 'succeeded' ? record.allSteadySeconds : undefined;
    rows.push({
      drillName: record.drillName,
      startedAt: record.startedAt,
      outcome: record.outcome,
      ...(rto !== undefined ? { rtoSeconds: rto } : {}),
      ...(rto !== undefined && previous !== undefined
        ? { deltaSeconds: round(rto - previous) }
        : {}),
      servicesDeleted: record.servicesDeleted,
      ...(record.outcome !== 'succeeded' && record.reason ? { reason: record.reason } : {}),
    });
    if (rto !== undefined) {
      rtos.push(rto);
      previous = rto;
    }
  }
  const ordered = [...rtos].sort((a, b) => a - b);
  const mid = Math.floor(ordered.length / 2);
  const median =
    ordered.length === 0
      ? undefined
      : ordered.length % 2 === 1
        ? ordered[mid]
        : ((ordered[mid - 1] as number) + (ordered[mid] as number)) / 2;
  const first = rtos[0];
  const last = rtos[rtos.length - 1];
  return {
    rows,
    succeeded: rtos.length,
    failedOrAborted: sorted.length - sorted.filter((r) => r.outcome === 'succeeded').length,
    ...(median !== undefined ? { medianRtoSeconds: round(median) } : {}),
    ...(first !== undefined && last !== undefined && rtos.length > 1
      ? { driftSeconds: round(last - first) }
      : {}),
  };
}
