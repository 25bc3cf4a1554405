/**
 * Runtime settings of the clone-validate-store workflow: what the CDK app derives from the
 * validated `cdk.json` config and hands to the pipeline's Lambdas (one JSON document), parsed
 * here once so every step sees the same, validated view.
 */
import { z } from 'zod';
import type { ImageSourceSettings } from '../clone/image-source';
import type { CloneMappings } from '../clone/mappings';
import { ValidationError } from '../errors';
import { type ServiceKey, serviceKey } from '../model';

const account = z.string().regex(/^\d{12}$/, 'must be a 12-digit account id');
const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region code');
const table = z.record(z.string().min(1), z.string().min(1));

const serviceSettings = z.strictObject({
  cluster: z.string().min(1),
  service: z.string().min(1),
  dependsOn: z.array(z.string()).default([]),
  minTasks: z.number().int().nonnegative().default(1),
  maxTasks: z.number().int().positive().default(10),
  targetUtilization: z.number().gt(0).max(1).default(0.6),
  capacityQuantile: z.number().gt(0).lt(1).default(0.9),
  /** KMS keys the service needs in staging (its secrets', volumes' or logs' keys). */
  kmsKeys: z.array(z.string()).default([]),
  /**
   * What stands in staging between failovers: `config-only` (the service exists with zero
   * tasks — pilot light) or `warm` (`minTasks` running). A forecast trigger raises a
   * config-only service to warm for its run.
   */
  stagingTier: z.enum(['config-only', 'warm']).default('config-only'),
});

/** zod schema of {@link PipelineSettings}. */
export const PipelineSettingsSchema = z.strictObject({
  source: z.strictObject({ account, region }),
  staging: z.strictObject({
    account,
    region,
    /** Staging registry host; defaults to the account's private ECR registry. */
    registry: z.string().min(1).optional(),
    cluster: z.string().min(1),
    vpcId: z.string().min(1),
    subnets: z.array(z.string()).default([]),
    /** KMS key that encrypts staged repositories. */
    kmsKeyArn: z.string().optional(),
  }),
  mappings: z
    .strictObject({
      roles: table.optional(),
      secrets: table.optional(),
      logGroups: table.optional(),
      targetGroups: table.optional(),
      namespaces: table.optional(),
      serviceRegistries: table.optional(),
      subnets: table.optional(),
      securityGroups: table.optional(),
      prefixLists: table.optional(),
      capacityProviders: table.optional(),
      fileSystems: table.optional(),
      arns: table.optional(),
      environment: table.optional(),
      rewriteRegionAndAccount: z
        .array(z.enum(['roles', 'secrets', 'environment', 'logOptions']))
        .optional(),
      groupNamePrefix: z.string().optional(),
    })
    .default({}),
  policy: z
    .strictObject({
      allowPrivileged: z.boolean().default(false),
      allowHostNetwork: z.boolean().default(false),
      allowHostPid: z.boolean().default(false),
      allowHostIpc: z.boolean().default(false),
      allowedCapabilities: z.array(z.string()).default([]),
    })
    .default({
      allowPrivileged: false,
      allowHostNetwork: false,
      allowHostPid: false,
      allowHostIpc: false,
      allowedCapabilities: [],
    }),
  services: z.array(serviceSettings).min(1),
  /** Fargate On-Demand vCPU quota of the staging region (the plan is checked against it). */
  fargateVcpuQuota: z.number().positive().default(6),
  /**
   * Where images may come from besides the primary's ECR: central ECR registries the copy step
   * reads cross-account, and the staging pull-through cache rules (created by the CDK app) that
   * images of public or third-party registries are imported through.
   */
  images: z
    .strictObject({
      centralRegistries: z.array(z.strictObject({ account, region })).default([]),
      pullThroughCache: z
        .array(
          z.strictObject({
            upstreamRegistryUrl: z.string().min(1),
            ecrRepositoryPrefix: z
              .string()
              .regex(
                /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/,
                'must be an ECR repository prefix',
              ),
          }),
        )
        .default([]),
    })
    .default({ centralRegistries: [], pullThroughCache: [] }),
  /** Retention of old clone versions (and the staged images and revisions only they use). */
  retention: z
    .strictObject({
      /** Newest versions always kept per service. */
      keepVersions: z.number().int().min(1).default(10),
      /** Versions younger than this many days are kept whatever their rank. */
      minAgeDays: z.number().nonnegative().default(7),
    })
    .default({ keepVersions: 10, minAgeDays: 7 }),
});

/** Validated pipeline settings. */
export type PipelineSettings = z.output<typeof PipelineSettingsSchema>;
/** One protected service's settings. */
export type ServiceSettings = PipelineSettings['services'][number];

/** Parses settings JSON text or object; a typed error names every bad field. */
export function parsePipelineSettings(raw: unknown): PipelineSettings {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new ValidationError('pipeline settings are not JSON', [String(error)], {
        cause: error,
      });
    }
  }
  const parsed = PipelineSettingsSchema.safeParse(value);
  if (!parsed.success) {
    throw new ValidationError(
      'invalid pipeline settings',
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  const keys = parsed.data.services.map(serviceKey);
  const duplicate = keys.find((key, index) => keys.indexOf(key) !== index);
  if (duplicate)
    throw new ValidationError('invalid pipeline settings', [
      `services: ${duplicate} is listed twice`,
    ]);
  return parsed.data;
}

/** The image sources of the settings (`images.*`), as the describe and copy steps use them. */
export function imageSourcesOf(
  settings: PipelineSettings,
): Omit<ImageSourceSettings, 'primaryRegistry'> {
  return {
    centralRegistries: settings.images.centralRegistries,
    pullThroughCache: settings.images.pullThroughCache,
  };
}

/** ECR registry host of an account + region. */
export function ecrRegistryHost(location: {
  readonly account: string;
  readonly region: string;
}): string {
  return `${location.account}.dkr.ecr.${location.region}.amazonaws.com`;
}

/** The staging registry host of the settings. */
export function stagingRegistry(settings: PipelineSettings): string {
  return (
    settings.staging.registry ??
    `${settings.staging.account}.dkr.ecr.${settings.staging.region}.amazonaws.com`
  );
}

/** The clone rules' view of the settings. */
export function cloneMappingsOf(settings: PipelineSettings): CloneMappings {
  return {
    ...settings.mappings,
    source: settings.source,
    staging: { account: settings.staging.account, region: settings.staging.region },
    registry: stagingRegistry(settings),
    cluster: settings.staging.cluster,
    vpcId: settings.staging.vpcId,
    ...(settings.staging.subnets.length > 0 ? { stagingSubnets: settings.staging.subnets } : {}),
  };
}

/** The settings of one service; NotFound-style ValidationError when it is not protected. */
export function serviceSettingsOf(settings: PipelineSettings, key: ServiceKey): ServiceSettings {
  const found = settings.services.find((service) => serviceKey(service) === key);
  if (!found) {
    throw new ValidationError(`service ${key} is not protected by this deployment`, [
      `protected services: ${settings.services.map(serviceKey).join(', ')}`,
    ]);
  }
  return found;
}
