/**
 * Settings of the failover Lambdas (`FAILOVER_SETTINGS`, JSON): plan freshness, the per-service
 * traffic routes and the epoch tag. Validated once with zod; every problem names its key.
 */
import { z } from 'zod';
import { ValidationError } from '../errors';
import { type ForecastSizingSettings, forecastSizingSchema } from './forecast-sizing';
import type { TrafficRoute } from './ports';

const keyValue = z.object({ name: z.string().min(1), value: z.string() });

/** A {@link TrafficRoute} as configured. */
export const trafficRouteSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('route53-failover-signal'),
    namespace: z.string().min(1),
    metricName: z.string().min(1),
    dimensions: z.array(keyValue).max(30).default([]),
  }),
  z.object({
    kind: z.literal('arc-routing-control'),
    stagingRoutingControlArn: z.string().startsWith('arn:'),
    primaryRoutingControlArn: z.string().startsWith('arn:').optional(),
    clusterEndpoints: z
      .array(z.object({ endpoint: z.string().url(), region: z.string().min(1) }))
      .min(1),
  }),
]);

/** The settings document. */
export const failoverSettingsSchema = z.object({
  /** A plan older than this is deployed with a warning (it is what there is). @default 7 days */
  planMaxAgeSeconds: z
    .number()
    .int()
    .positive()
    .default(7 * 24 * 3600),
  /** Traffic route per service key; services without one are deployed but not switched. */
  traffic: z.record(z.string(), trafficRouteSchema).default({}),
  /** Tag key carrying the authority epoch on every service the failover touches. */
  epochTagKey: z.string().min(1).default('understudy:authority-epoch'),
  /** Deploy-time sizing from the latest forecast (`forecast-sizing.ts`). @default enabled, no services */
  // prefault, not default: zod 4 returns a default as is, without the inner defaults.
  sizing: forecastSizingSchema.prefault({}),
});

/** Parsed failover settings. */
export interface FailoverSettings {
  readonly planMaxAgeSeconds: number;
  readonly traffic: Readonly<Record<string, TrafficRoute>>;
  readonly epochTagKey: string;
  /** Deploy-time sizing from the latest forecast; absent in older settings (defaults then). */
  readonly sizing?: ForecastSizingSettings;
}

/** Defaults (no traffic routes). */
export const DEFAULT_FAILOVER_SETTINGS: FailoverSettings = failoverSettingsSchema.parse({});

/** Parses settings from JSON text or an object; ValidationError names each bad key. */
export function parseFailoverSettings(input: unknown): FailoverSettings {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new ValidationError('failover settings are not JSON', [(error as Error).message]);
    }
  }
  const parsed = failoverSettingsSchema.safeParse(value);
  if (!parsed.success) {
    throw new ValidationError(
      'invalid failover settings',
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return parsed.data;
}
