/**
 * Settings of the handback Lambdas (`HANDBACK_SETTINGS`, JSON, written by
 * `lib/constructs/handback.ts` from the `handback`, `failover` and `services` config sections).
 * Validated once with zod; every problem names its key.
 */
import { z } from 'zod';
import { ValidationError } from '../errors';
import type { TrafficRoute } from '../failover/ports';
import { trafficRouteSchema } from '../failover/settings';
import type { HandbackMode } from './ports';

const modeSchema = z.enum(['integrate', 'replace']);

/** One service's handback settings. */
const serviceSchema = z.strictObject({
  mode: modeSchema.optional(),
  /** Tasks the staging service keeps after a replace: 0 for config-only, `minTasks` for warm. */
  standbyCount: z.number().int().nonnegative().optional(),
});

/** The settings document. */
export const handbackSettingsSchema = z.strictObject({
  /**
   * Mode of services without their own. `replace`: the primary's IaC stays the one source of
   * truth and the shadow returns to its standby cost; `integrate` needs the primary's IaC to
   * adopt what the shadow runs, so it is opt-in per service.
   */
  defaultMode: modeSchema.default('replace'),
  services: z.record(z.string(), serviceSchema).default({}),
  /** Traffic route per service key (the failover's routes, switched back `to-primary`). */
  traffic: z.record(z.string(), trafficRouteSchema).default({}),
  /** Tag key carrying the authority epoch (the failover's). */
  epochTagKey: z.string().min(1).default('understudy:authority-epoch'),
  /** Tag key naming who owns a staging service; integrate sets it to `primary`. */
  ownerTagKey: z.string().min(1).default('understudy:owner'),
});

/** Parsed handback settings. */
export interface HandbackSettings {
  readonly defaultMode: HandbackMode;
  readonly services: Readonly<
    Record<string, { readonly mode?: HandbackMode; readonly standbyCount?: number }>
  >;
  readonly traffic: Readonly<Record<string, TrafficRoute>>;
  readonly epochTagKey: string;
  readonly ownerTagKey: string;
}

/** Defaults: every service replaced, config-only standby, no traffic routes. */
export const DEFAULT_HANDBACK_SETTINGS: HandbackSettings = handbackSettingsSchema.parse({});

/** Parses settings from JSON text or an object; ValidationError names each bad key. */
export function parseHandbackSettings(input: unknown): HandbackSettings {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new ValidationError('handback settings are not JSON', [(error as Error).message]);
    }
  }
  const parsed = handbackSettingsSchema.safeParse(value);
  if (!parsed.success) {
    throw new ValidationError(
      'invalid handback settings',
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return parsed.data;
}

/** The mode of one service. */
export function modeOf(settings: HandbackSettings, service: string): HandbackMode {
  return settings.services[service]?.mode ?? settings.defaultMode;
}

/** The standby task count of one service (config-only, 0, unless configured). */
export function standbyCountOf(settings: HandbackSettings, service: string): number {
  return settings.services[service]?.standbyCount ?? 0;
}
