/**
 * Failover sizing at deploy time: the desired count of each service comes from the latest
 * forecast's configured quantile over the next window (not the whole horizon, and not the
 * plan's count, which was sized when the plan was last refreshed — possibly days ago), through
 * `capacity.ts`'s formula, clamped to the clone's scaling bounds [min, max]. When the forecast is
 * missing, stale, does not cover the window or lacks the quantile, the plan's count stands and
 * the reason goes into the service's line of the record.
 *
 * Utilisation forecasts (CPU, memory: ECS service-level %) are relative to the task count they
 * were measured at, which the plan does not keep (the primary may be dark by now): each service's
 * `referenceTasks` is configured, as for adaptation.
 */
import { z } from 'zod';
import { desiredCountFromForecasts, type TaskCapacity } from '../capacity';
import type { Forecast, PlanEntry } from '../model';

/** Per-service sizing inputs (keyed by the plan's service key, `cluster/service`). */
export const serviceSizingSchema = z.object({
  /** Tasks the forecast's history ran with (utilisation % is relative to them). */
  referenceTasks: z.number().int().positive(),
  /** Overrides the section's target utilisation. */
  targetUtilization: z.number().gt(0).max(1).optional(),
  /** Overrides the section's quantile. */
  quantile: z.number().gt(0).lt(1).optional(),
  /** Requests per period one task serves; with it the request-rate forecast counts too. */
  requestsPerTask: z.number().positive().optional(),
});

/** The `sizing` section of the failover settings. */
export const forecastSizingSchema = z.object({
  /** Size from the latest forecast; false keeps every plan count. @default true */
  enabled: z.boolean().default(true),
  /** Quantile level planned for. @default 0.9 */
  quantile: z.number().gt(0).lt(1).default(0.9),
  /** The window ahead of the deploy call whose peak is planned for, seconds. @default 3600 */
  windowSeconds: z.number().int().positive().default(3600),
  /** A forecast generated longer ago than this is stale (the plan's count stands). @default 6 h */
  maxAgeSeconds: z
    .number()
    .int()
    .positive()
    .default(6 * 3600),
  /** Fraction of per-task capacity planned for, in (0, 1]. @default 0.6 */
  targetUtilization: z.number().gt(0).max(1).default(0.6),
  /** Per-service inputs; a service without one keeps the plan's count (with a warning). */
  services: z.record(z.string(), serviceSizingSchema).default({}),
});

/** Per-service sizing inputs. */
export type ServiceSizing = z.output<typeof serviceSizingSchema>;

/** Parsed `sizing` section. */
export type ForecastSizingSettings = z.output<typeof forecastSizingSchema>;

/** Defaults: enabled, p90 over the next hour, stale after 6 h, 60 % target, no services. */
export const DEFAULT_FORECAST_SIZING: ForecastSizingSettings = forecastSizingSchema.parse({});

/** How one service was sized. */
export interface SizingDecision {
  readonly desiredCount: number;
  /** `forecast` when the latest forecast set it, `plan` when the plan's count stood. */
  readonly source: 'forecast' | 'plan';
  /** [min, max] the forecast's count was clamped to (the clone's scaling bounds). */
  readonly bounds: { readonly min: number; readonly max: number };
  /** For the record: why the plan's count stood, or that the bounds clamped the forecast. */
  readonly warnings: readonly string[];
}

/** Metrics whose forecast says how many tasks are needed (as `desiredCountFromForecasts`). */
const CAPACITY_METRICS = new Set<string>(['cpu', 'memory', 'requestRate']);

/**
 * The clone's scaling bounds, else [min(1, plan), plan]: without cloned bounds there is no
 * maximum the primary allowed, so the forecast may lower the plan's count but not raise it.
 */
export function boundsOf(entry: PlanEntry): { min: number; max: number } {
  if (entry.scaling) {
    return {
      min: entry.scaling.minCapacity,
      max: Math.max(entry.scaling.minCapacity, entry.scaling.maxCapacity),
    };
  }
  return { min: Math.min(1, entry.desiredCount), max: entry.desiredCount };
}

/** The steps of `forecast` covering [fromMs, fromMs + windowSeconds), or undefined if none. */
export function windowOf(
  forecast: Forecast,
  fromMs: number,
  windowSeconds: number,
): Forecast | undefined {
  const toMs = fromMs + windowSeconds * 1000;
  const stepMs = forecast.intervalSeconds * 1000;
  const keep: number[] = [];
  forecast.timestamps.forEach((timestamp, index) => {
    const startMs = Date.parse(timestamp);
    // A step counts when any part of it lies in the window (the step now in progress included).
    if (Number.isFinite(startMs) && startMs + stepMs > fromMs && startMs < toMs) keep.push(index);
  });
  if (keep.length === 0) return undefined;
  const pick = (row: readonly number[]) =>
    keep.map((index) => row[index]).filter((v): v is number => v !== undefined);
  return {
    ...forecast,
    timestamps: keep.map((index) => forecast.timestamps[index] as string),
    mean: pick(forecast.mean),
    quantiles: Object.fromEntries(
      Object.entries(forecast.quantiles).map(([level, row]) => [level, pick(row)]),
    ),
  };
}

/**
 * Sizes one plan entry from its latest forecasts at `nowMs`; see the module comment. Never
 * throws on bad or missing forecast data: a failover must deploy, so the plan's count stands with
 * the reason as a warning.
 */
export function sizeFromForecast(input: {
  readonly entry: PlanEntry;
  readonly forecasts: readonly Forecast[];
  readonly settings: ForecastSizingSettings;
  readonly nowMs: number;
  /** Per-task capacity (only the request-rate signal needs it). */
  readonly task?: TaskCapacity;
}): SizingDecision {
  const { entry, settings, nowMs } = input;
  const bounds = boundsOf(entry);
  const plan = (reason: string): SizingDecision => ({
    desiredCount: entry.desiredCount,
    source: 'plan',
    bounds,
    warnings: [`sized from the plan (${entry.desiredCount} tasks): ${reason}`],
  });
  if (!settings.enabled)
    return { desiredCount: entry.desiredCount, source: 'plan', bounds, warnings: [] };
  const service = settings.services[entry.service];
  if (!service) return plan('no forecast sizing configured for the service (referenceTasks)');
  const level = service.quantile ?? settings.quantile;
  const usable = input.forecasts.filter((forecast) => CAPACITY_METRICS.has(forecast.metric));
  if (usable.length === 0) return plan('no CPU, memory or request-rate forecast');
  const fresh = usable.filter((forecast) => {
    const generatedMs = Date.parse(forecast.generatedAt);
    return Number.isFinite(generatedMs) && nowMs - generatedMs <= settings.maxAgeSeconds * 1000;
  });
  if (fresh.length === 0) {
    const newest = usable
      .map((forecast) => forecast.generatedAt)
      .sort()
      .at(-1);
    return plan(
      `latest forecast is stale (generated ${newest}, max age ${settings.maxAgeSeconds} s)`,
    );
  }
  const windowed = fresh
    .map((forecast) => windowOf(forecast, nowMs, settings.windowSeconds))
    .filter((forecast): forecast is Forecast => forecast !== undefined);
  if (windowed.length === 0) return plan('the latest forecast does not cover the next window');
  const withLevel = windowed.filter((forecast) =>
    Object.keys(forecast.quantiles).some((key) => Number(key) === level),
  );
  if (withLevel.length === 0) return plan(`the latest forecast has no ${level} quantile`);
  const task: TaskCapacity = {
    ...input.task,
    ...(service.requestsPerTask !== undefined ? { requestsPerTask: service.requestsPerTask } : {}),
  };
  const sized = desiredCountFromForecasts({
    forecasts: withLevel,
    level,
    runningTasks: service.referenceTasks,
    task,
    targetUtilization: service.targetUtilization ?? settings.targetUtilization,
    minCount: bounds.min,
    maxCount: bounds.max,
  });
  if (sized.binding === undefined) return plan('no forecast signal could be turned into tasks');
  const warnings =
    sized.clampedBy === 'max'
      ? [
          `forecast p${Math.round(level * 100)} wants ${sized.unbounded} tasks; clamped to the clone's max ${bounds.max}`,
        ]
      : [];
  return { desiredCount: sized.desiredCount, source: 'forecast', bounds, warnings };
}
