/**
 * The clone pipeline's runtime settings, derived from the validated `understudy` configuration:
 * pure (no constructs), so the mapping is tested on its own and the CDK app and the Lambdas
 * agree on one document (`UNDERSTUDY_PIPELINE_SETTINGS`, parsed by `parsePipelineSettings`).
 */
import { ValidationError } from '../functions/core/errors';
import { type PipelineSettings, parsePipelineSettings } from '../functions/core/prebake/settings';
import { ConfigError, keyPath, type UnderstudyConfig } from './config';

/**
 * Why the configuration cannot drive the clone pipeline (empty when it can): the pipeline clones
 * a listed set of services into one staging VPC. A service selector or a missing VPC leaves the
 * rest of the app deployable; the staging stack then skips the shadow manager with a warning.
 */
export function pipelineBlockers(config: UnderstudyConfig): string[] {
  const blockers: string[] = [];
  if (config.services === undefined) {
    blockers.push(
      `${keyPath(['services'])}: the clone pipeline needs the protected services listed (a serviceSelector is not resolved at synth time)`,
    );
  }
  if (config.staging.vpcId === undefined) {
    blockers.push(
      `${keyPath(['staging', 'vpcId'])}: the clone pipeline copies security groups into this VPC and limits its EC2 writes to it`,
    );
  }
  return blockers;
}

/** Keeps only the mapping tables that map something: empty ones only cost environment bytes. */
function nonEmpty(
  tables: Readonly<Record<string, Readonly<Record<string, string>> | undefined>>,
): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [name, table] of Object.entries(tables)) {
    if (table && Object.keys(table).length > 0) out[name] = { ...table };
  }
  return out;
}

/**
 * The pipeline settings for `config`, validated by `parsePipelineSettings`.
 *
 * `staging.mappings.securityGroupVpcs` is not carried over: the pipeline creates every copied
 * group in `staging.vpcId` (the config schema rejects a mapping to any other VPC). The staged
 * images' KMS key is not in the settings either: it is a deploy-time token, set on the copy
 * function as `STAGED_IMAGES_KMS_KEY_ARN` by the construct that creates the key.
 *
 * @throws {ConfigError} naming the keys when the configuration cannot drive the pipeline
 *   ({@link pipelineBlockers}) or the derived settings are invalid.
 */
export function pipelineSettingsOf(config: UnderstudyConfig): PipelineSettings {
  const blockers = pipelineBlockers(config);
  if (blockers.length > 0) throw new ConfigError(blockers);
  const { staging, policy } = config;
  const mappings = staging.mappings;
  const raw = {
    source: { account: config.primary.account, region: config.primary.region },
    staging: {
      account: staging.account,
      region: staging.region,
      cluster: staging.cluster,
      vpcId: staging.vpcId,
      subnets: [...staging.subnets],
      ...(staging.registry ? { registry: staging.registry } : {}),
    },
    mappings: {
      ...nonEmpty({
        roles: mappings.roles,
        secrets: mappings.secrets,
        logGroups: mappings.logGroups,
        targetGroups: mappings.targetGroups,
        namespaces: mappings.namespaces,
        securityGroups: mappings.securityGroups,
        serviceRegistries: mappings.serviceRegistries,
        subnets: mappings.subnets,
        prefixLists: mappings.prefixLists,
        capacityProviders: mappings.capacityProviders,
        fileSystems: mappings.fileSystems,
        arns: mappings.arns,
        environment: mappings.environment,
      }),
      ...(mappings.rewriteRegionAndAccount?.length
        ? { rewriteRegionAndAccount: [...mappings.rewriteRegionAndAccount] }
        : {}),
    },
    policy: {
      allowPrivileged: policy.allowPrivileged,
      allowHostNetwork: policy.allowHostNetwork,
      allowHostPid: policy.allowHostPid ?? false,
      allowHostIpc: policy.allowHostIpc ?? false,
      allowedCapabilities: [...(policy.allowedCapabilities ?? [])],
    },
    services: (config.services ?? []).map((s) => ({
      cluster: s.cluster,
      service: s.service,
      dependsOn: [...s.dependsOn],
      minTasks: s.minTasks,
      maxTasks: s.maxTasks,
      targetUtilization: s.targetUtilization,
      capacityQuantile: s.capacityQuantile,
      kmsKeys: [...(s.kmsKeys ?? [])],
      stagingTier: s.stagingTier,
    })),
    fargateVcpuQuota: staging.fargateVcpuQuota,
    images: {
      centralRegistries: config.images.centralRegistries.map((entry) => ({ ...entry })),
      // The credential secret is the CDK app's business (the rule's CredentialArn), not the
      // pipeline's: ECR's service-linked role reads it, never a Lambda.
      pullThroughCache: config.images.pullThroughCache.map((rule) => ({
        upstreamRegistryUrl: rule.upstreamRegistryUrl,
        ecrRepositoryPrefix: rule.ecrRepositoryPrefix,
      })),
    },
    retention: {
      keepVersions: config.retention.keepVersions,
      minAgeDays: config.retention.minAgeDays,
    },
  };
  try {
    return parsePipelineSettings(raw);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ConfigError(
      error.issues.map((issue) => `${keyPath([])} (pipeline settings): ${issue}`),
      { cause: error },
    );
  }
}

/**
 * The settings as the JSON text the pipeline's Lambdas receive: inline in
 * `UNDERSTUDY_PIPELINE_SETTINGS` while small, else as a layer file (see `ConfigDocument`), so
 * the number of protected services and mappings is not bounded by Lambda's 4 KB environment.
 */
export function pipelineSettingsJson(settings: PipelineSettings): string {
  return JSON.stringify(settings);
}

/** Minutes per unit of an EventBridge `rate(...)` expression. */
const RATE_MINUTES: Readonly<Record<string, number>> = {
  minute: 1,
  minutes: 1,
  hour: 60,
  hours: 60,
  day: 1_440,
  days: 1_440,
};

/**
 * The window of the per-service freshness alarm, in minutes: the freshness target, widened to
 * the integrity check's interval when that is longer (a `rate(...)` schedule) — a window shorter
 * than the interval would often hold no datapoint, and a stale clone would never alarm.
 */
export function freshnessWindowMinutes(config: UnderstudyConfig): number {
  return Math.max(config.freshnessTargetMinutes, integrityCheckIntervalMinutes(config) ?? 0);
}

/**
 * Minutes between integrity check runs for a `rate(...)` schedule; undefined for `cron(...)`,
 * whose runs need not be evenly spaced.
 */
export function integrityCheckIntervalMinutes(config: UnderstudyConfig): number | undefined {
  const rate = /^rate\((\d+) ([a-z]+)\)$/.exec(config.integrityCheckSchedule);
  return rate ? Number(rate[1]) * (RATE_MINUTES[rate[2] ?? ''] ?? 0) : undefined;
}
