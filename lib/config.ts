/**
 * The `understudy` key of `cdk.json` context: one zod schema, every default in one place.
 * `docs/configuration.md` documents each key; keep the two in step.
 */
import { z } from 'zod';
import { PULL_THROUGH_UPSTREAMS, pullThroughUpstream } from '../functions/core/clone/image-source';
import { ValidationError } from '../functions/core/errors';
import { trafficRouteSchema } from '../functions/core/failover/settings';
import { validateEvents } from '../functions/core/forecast/events-file';
import { RESOURCE_METRICS } from '../functions/core/model';

/** The context key the CDK app reads its configuration from. */
export const CONTEXT_KEY = 'understudy';

/** Configuration failed validation; `issues` name each failing key path (`understudy.a.b[2]`). */
export class ConfigError extends ValidationError {
  public constructor(issues: readonly string[], options?: ErrorOptions) {
    super(`invalid "${CONTEXT_KEY}" configuration`, issues, options);
    this.name = 'ConfigError';
  }
}

const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');
const region = z
  .string()
  .regex(
    /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/,
    'must be an AWS region code such as eu-west-1',
  );
const name = z.string().min(1, 'must not be empty');
/** Source identifier → staging identifier. */
const mapping = z.record(z.string().min(1), z.string().min(1));
const percent = z.number().min(0, 'must be within 0-100').max(100, 'must be within 0-100');
const nonNegative = z.number().nonnegative('must be ≥ 0');
const probability = z.number().gt(0, 'must be > 0 and < 1').lt(1, 'must be > 0 and < 1');

// ---------------------------------------------------------------------------------------------
// EventBridge schedule expressions

const RATE_UNITS = new Set(['minute', 'minutes', 'hour', 'hours', 'day', 'days']);
// Per cron field: allowed characters and numeric range (EventBridge cron, 6 fields).
const CRON_FIELDS = [
  { field: 'minutes', chars: /^[0-9,\-*/]+$/, min: 0, max: 59 },
  { field: 'hours', chars: /^[0-9,\-*/]+$/, min: 0, max: 23 },
  { field: 'day-of-month', chars: /^([0-9,\-*/?LW]+)$/, min: 1, max: 31 },
  { field: 'month', chars: /^([0-9A-Za-z,\-*/]+)$/, min: 1, max: 12 },
  { field: 'day-of-week', chars: /^([0-9A-Za-z,\-*/?L#]+)$/, min: 1, max: 7 },
  { field: 'year', chars: /^[0-9,\-*/]+$/, min: 1970, max: 2199 },
] as const;

/**
 * Why `expression` is not a valid EventBridge schedule expression, or `undefined` when it is.
 * Checked here so a typo fails `cdk synth` instead of a CloudFormation deployment.
 */
export function scheduleProblem(expression: string): string | undefined {
  const rate = /^rate\((.*)\)$/.exec(expression);
  if (rate) {
    const parts = (rate[1] ?? '').trim().split(/\s+/);
    const [value, unit] = parts;
    if (parts.length !== 2 || !/^[1-9]\d*$/.test(value ?? '') || !RATE_UNITS.has(unit ?? '')) {
      return `malformed rate "${expression}": expected rate(<positive integer> <minute|minutes|hour|hours|day|days>)`;
    }
    const singular = value === '1';
    if (singular === (unit ?? '').endsWith('s')) {
      return `malformed rate "${expression}": use a singular unit for 1 and a plural unit otherwise`;
    }
    return undefined;
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) {
    const fields = (cron[1] ?? '').trim().split(/\s+/);
    if (fields.length !== 6) {
      return `malformed cron "${expression}": expected 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`;
    }
    for (const [index, spec] of CRON_FIELDS.entries()) {
      const value = fields[index] ?? '';
      if (!spec.chars.test(value)) {
        return `malformed cron "${expression}": invalid ${spec.field} field "${value}"`;
      }
      for (const number of value.match(/\d+/g) ?? []) {
        const n = Number(number);
        // Step values (`*/5`) and `#` ordinals are not range-checked against the field's range.
        const isStep = value.includes(`/${number}`) || value.includes(`#${number}`);
        if (!isStep && (n < spec.min || n > spec.max)) {
          return `malformed cron "${expression}": ${spec.field} value ${n} is outside ${spec.min}-${spec.max}`;
        }
      }
    }
    const [, , dayOfMonth, , dayOfWeek] = fields;
    if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
      return `malformed cron "${expression}": exactly one of day-of-month and day-of-week must be "?"`;
    }
    return undefined;
  }
  return `malformed schedule "${expression}": expected rate(...) or cron(...)`;
}

const scheduleExpression = z.string().superRefine((value, ctx) => {
  const problem = scheduleProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

// ---------------------------------------------------------------------------------------------
// Sections

/** Demand thresholds per resource metric, as the forecast compares them. */
const thresholdsShape = {
  /**
   * Average CPU utilisation of the service, percent of reserved CPU.
   * @default 70
   */
  cpu: percent.default(70),
  /**
   * Average memory utilisation of the service, percent of reserved memory.
   * @default 80
   */
  memory: percent.default(80),
  /**
   * Network bytes in per second per task; not used as a trigger when absent.
   * @default undefined
   */
  networkIn: nonNegative.optional(),
  /**
   * Network bytes out per second per task; not used as a trigger when absent.
   * @default undefined
   */
  networkOut: nonNegative.optional(),
  /**
   * Requests per second per task (ALB `RequestCountPerTarget`); not a trigger when absent.
   * @default undefined
   */
  requestRate: nonNegative.optional(),
  /**
   * Messages visible in the service's queue; not a trigger when absent.
   * @default undefined
   */
  queueDepth: nonNegative.optional(),
};

const thresholdsSchema = z.strictObject(thresholdsShape);
/** Per-service override: only the metrics it names replace the global thresholds. */
const thresholdsOverrideSchema = z.strictObject({
  cpu: percent.optional(),
  memory: percent.optional(),
  networkIn: nonNegative.optional(),
  networkOut: nonNegative.optional(),
  requestRate: nonNegative.optional(),
  queueDepth: nonNegative.optional(),
});

const locationSchema = z.strictObject({
  /** 12-digit AWS account id. */
  account: accountId,
  /** AWS region code. */
  region,
});

const mappingsSchema = z.strictObject({
  /**
   * IAM role ARNs (task and execution roles) in the primary → their staging twins.
   * @default {}
   */
  roles: mapping.default({}),
  /**
   * Secrets Manager / SSM parameter ARNs → staging ARNs.
   * @default {}
   */
  secrets: mapping.default({}),
  /**
   * CloudWatch log group names → staging log group names.
   * @default {}
   */
  logGroups: mapping.default({}),
  /**
   * Target group ARNs → staging target group ARNs.
   * @default {}
   */
  targetGroups: mapping.default({}),
  /**
   * Cloud Map / Service Connect namespaces → staging namespaces.
   * @default {}
   */
  namespaces: mapping.default({}),
  /**
   * Security group ids → staging security group ids (referenced groups in copied rules).
   * @default {}
   */
  securityGroups: mapping.default({}),
  /**
   * VPC ids → staging VPC id that copied security groups are created in.
   * @default {} (every copied group goes to `staging.vpcId`)
   */
  securityGroupVpcs: mapping.default({}),
  /**
   * Cloud Map service registry ARNs → staging registry ARNs.
   * @default undefined (none mapped)
   */
  serviceRegistries: mapping.optional(),
  /**
   * Subnet ids → staging subnet ids (else the clone uses `staging.subnets`).
   * @default undefined (none mapped)
   */
  subnets: mapping.optional(),
  /**
   * Managed prefix list ids referenced by copied rules → staging prefix list ids.
   * @default undefined (none mapped)
   */
  prefixLists: mapping.optional(),
  /**
   * Capacity provider names → staging capacity provider names.
   * @default undefined (none mapped)
   */
  capacityProviders: mapping.optional(),
  /**
   * EFS file system ids → staging file system ids.
   * @default undefined (none mapped)
   */
  fileSystems: mapping.optional(),
  /**
   * Any other primary ARN or regional id a clone references → its staging twin: ARNs embedded in
   * environment values and log options (queues, topics, tables), KMS keys and EBS snapshots of
   * launch-time volumes, Service Connect TLS authorities, and an ALBRequestCountPerTarget
   * `resourceLabel` (`app/…/targetgroup/…`).
   * @default undefined (none mapped)
   */
  arns: mapping.optional(),
  /**
   * Environment variable name → the value staging tasks get, whatever the source set.
   * @default undefined (none overridden)
   */
  environment: mapping.optional(),
  /**
   * Fields where an unmapped primary ARN may be rewritten by swapping the primary's account and
   * region for staging's (`roles`, `secrets`, `environment`, `logOptions`); each rewrite is
   * recorded. Anything not listed must be mapped or the clone is refused.
   * @default undefined (no generic rewrite)
   */
  rewriteRegionAndAccount: z
    .array(z.enum(['roles', 'secrets', 'environment', 'logOptions']))
    .optional(),
});

const stagingSchema = z.strictObject({
  /** 12-digit AWS account id of the staging account. */
  account: accountId,
  /** Staging region: every piece of state a failover needs lives here. */
  region,
  /**
   * VPC the clones deploy into; needed before clones are staged, not for synth.
   * @default undefined
   */
  vpcId: z
    .string()
    .regex(/^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id such as vpc-0123456789abcdef0')
    .optional(),
  /**
   * Subnets the clones' tasks run in.
   * @default []
   */
  subnets: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'must be a subnet id')).default([]),
  /**
   * ECS cluster (staging account and region) that failovers deploy the clones into; the clone
   * pipeline checks it exists and records it in each service's deployment plan.
   * @default 'understudy-staging'
   */
  cluster: name.default('understudy-staging'),
  /**
   * Fargate On-Demand vCPU quota of the staging account and region; every refreshed deployment
   * plan is checked against it (a shortfall is a warning and the `PlanVcpuShortfall` metric).
   * @default 6 (the AWS default for a new account)
   */
  fargateVcpuQuota: z.number().positive('must be > 0').default(6),
  /**
   * Registry host staged images are pushed to.
   * @default undefined (the staging account's private ECR registry in `staging.region`)
   */
  registry: name.optional(),
  /**
   * How primary-side identifiers translate into staging ones when a clone is rewritten.
   * @default every mapping empty
   */
  mappings: mappingsSchema.default({
    roles: {},
    secrets: {},
    logGroups: {},
    targetGroups: {},
    namespaces: {},
    securityGroups: {},
    securityGroupVpcs: {},
  }),
});

/** Where Route 53 publishes `AWS/Route53` health-check metrics (HealthCheckStatus): only here. */
export const ROUTE53_METRICS_REGION = 'us-east-1';

const healthCheckSchema = z.strictObject({
  /**
   * Region of the detection quorum; never the primary's. Route 53 publishes health-check metrics
   * only in us-east-1, so any other region needs `probeOnly: true`.
   * @default 'us-east-1'
   */
  region: region.default(ROUTE53_METRICS_REGION),
  /**
   * Rely on the probe heartbeat alone: no Route 53 health check, no `endpoint`. Required in any
   * health region but us-east-1 (where the health-check alarm would never get data), and so for a
   * primary in us-east-1.
   * @default false
   */
  probeOnly: z.boolean().default(false),
  /**
   * Public HTTPS endpoint of the deployment authority that Route 53 checks; required unless
   * `probeOnly`.
   * @default undefined
   */
  endpoint: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).optional(),
  /**
   * Consecutive failed Route 53 checks before the endpoint counts as unhealthy (1-10).
   * @default 3
   */
  failureThreshold: z.number().int().min(1).max(10).default(3),
  /**
   * Seconds between Route 53 checks: 10 (fast) or 30 (standard).
   * @default 30
   */
  requestIntervalSeconds: z.union([z.literal(10), z.literal(30)]).default(30),
  /**
   * Consecutive one-minute periods the health-check status must be failing before the alarm fires.
   * @default 3
   */
  alarmEvaluationPeriods: z.number().int().min(1).max(60).default(3),
});

const snsTopicArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:sns:[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}:\d{12}:[A-Za-z0-9_-]{1,256}$/,
    'must be an SNS topic ARN such as arn:aws:sns:eu-west-1:111111111111:oncall',
  );

/** Who one alarm tier notifies. */
const alarmTierSchema = z.strictObject({
  /**
   * Email addresses subscribed to the tier's topic (each confirms its subscription once).
   * @default []
   */
  emails: z.array(z.email('must be an email address')).default([]),
  /**
   * HTTPS endpoints subscribed to the tier's topic (an incident tool's SNS integration URL).
   * @default []
   */
  urls: z.array(z.url({ protocol: /^https$/, error: 'must be an https:// URL' })).default([]),
  /**
   * Existing SNS topics (bring your own) the tier's alarms also notify. Alarms notify only topics
   * of their own region: a topic serves the stacks in its region; its policy must let CloudWatch
   * alarms publish.
   * @default []
   */
  topicArns: z.array(snsTopicArn).default([]),
});

const EMPTY_TIER = { emails: [], urls: [], topicArns: [] };

const alarmsSchema = z.strictObject({
  /** Needs a human now: a failover is starting, or the detector is impaired. @default nobody */
  page: alarmTierSchema.default(EMPTY_TIER),
  /** Needs a human today: clones stale or failing, checks not running, lost events. @default nobody */
  ticket: alarmTierSchema.default(EMPTY_TIER),
});

const serviceSchema = z.strictObject({
  /** ECS cluster name (not ARN) in the primary. */
  cluster: name,
  /** ECS service name (not ARN) in the primary. */
  service: name,
  /**
   * Services (`cluster/service`) that must be stable before this one deploys.
   * @default []
   */
  dependsOn: z.array(z.string().regex(/^[^/]+\/[^/]+$/, 'must be "cluster/service"')).default([]),
  /**
   * Fewest tasks a take-over deploys, whatever the forecast says.
   * @default 1
   */
  minTasks: z.number().int().nonnegative().default(1),
  /**
   * Most tasks a take-over or the adapt loop deploys.
   * @default 10
   */
  maxTasks: z.number().int().positive().default(10),
  /**
   * Target utilisation (0-1) the desired count is sized for under target tracking.
   * @default 0.6
   */
  targetUtilization: probability.default(0.6),
  /**
   * Forecast quantile used to size desired count; must be one of `forecast.quantiles`.
   * @default 0.9
   */
  capacityQuantile: probability.default(0.9),
  /**
   * Per-metric overrides of the global `thresholds`.
   * @default {} (use the global thresholds)
   */
  thresholds: thresholdsOverrideSchema.default({}),
  /**
   * ALB target group as CloudWatch's `TargetGroup` dimension (`targetgroup/<name>/<id>`);
   * without it the forecaster has no `requestRate` series for the service.
   * @default undefined
   */
  targetGroup: z
    .string()
    .regex(/^targetgroup\/[^/]+\/[0-9a-f]+$/, 'must be "targetgroup/<name>/<id>"')
    .optional(),
  /**
   * Load balancer as CloudWatch's `LoadBalancer` dimension (`app/<name>/<id>`); with it,
   * `requestRate` is the target group's total `RequestCount`, else `RequestCountPerTarget`.
   * @default undefined
   */
  loadBalancer: z
    .string()
    .regex(/^app\/[^/]+\/[0-9a-f]+$/, 'must be "app/<name>/<id>"')
    .optional(),
  /**
   * SQS queue (name) whose backlog drives the service; without it there is no `queueDepth`
   * series for the service.
   * @default undefined
   */
  queueName: name.optional(),
  /**
   * KMS key ARNs the service needs in staging (its secrets', volumes' or logs' keys); the clone
   * pipeline checks each exists before it calls a clone ready.
   * @default undefined (none)
   */
  kmsKeys: z.array(name).optional(),
  /**
   * What stands in staging between failovers: `config-only` (the staging service exists with
   * zero tasks — pilot light) or `warm` (`minTasks` running). A forecast trigger raises a
   * config-only service to warm for its clone run; `understudy cost` shows which pays.
   * @default 'config-only'
   */
  stagingTier: z.enum(['config-only', 'warm']).default('config-only'),
});

/** ECR's rule for a repository name prefix (CreatePullThroughCacheRule `ecrRepositoryPrefix`). */
const ECR_PREFIX = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
/** Secrets Manager name ECR's pull-through cache accepts (the service-linked role reads only these). */
const PULL_THROUGH_SECRET = /^ecr-pullthroughcache\/[a-zA-Z0-9/_+=.@-]+$/;
const PULL_THROUGH_SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:ecr-pullthroughcache\/[a-zA-Z0-9/_+=.@-]+$/;

const pullThroughCacheRuleSchema = z
  .strictObject({
    /**
     * The upstream registry URL as ECR names it: `public.ecr.aws`, `registry-1.docker.io`
     * (Docker Hub, also for images written without a host or as `docker.io/…`), `ghcr.io`,
     * `registry.gitlab.com`, `quay.io`, `registry.k8s.io` or `<name>.azurecr.io`.
     */
    upstreamRegistryUrl: name,
    /**
     * Staging repository prefix the rule caches under (2-30 characters); a cached image is
     * `<staging registry>/<prefix>/<upstream repository>`.
     */
    ecrRepositoryPrefix: z
      .string()
      .min(2, 'must be 2-30 characters')
      .max(30, 'must be 2-30 characters')
      .regex(ECR_PREFIX, 'must be lowercase letters, digits and ._-/ separators'),
    /**
     * Secrets Manager secret (name or full ARN, in the staging account and region) holding the
     * upstream credentials (`username` + `accessToken`); its name must start with
     * `ecr-pullthroughcache/`. Required for Docker Hub, GitHub, GitLab and Azure.
     * @default undefined (no credentials: public.ecr.aws, quay.io, registry.k8s.io)
     */
    credentialSecret: z
      .string()
      .refine(
        (value) => PULL_THROUGH_SECRET.test(value) || PULL_THROUGH_SECRET_ARN.test(value),
        'must be a secret name (or ARN) starting with "ecr-pullthroughcache/": ECR reads only those',
      )
      .optional(),
  })
  .superRefine((rule, ctx) => {
    const upstream = pullThroughUpstream(rule.upstreamRegistryUrl);
    if (!upstream) {
      ctx.addIssue({
        code: 'custom',
        path: ['upstreamRegistryUrl'],
        message: `"${rule.upstreamRegistryUrl}" is not an upstream ECR's pull-through cache supports (${[...Object.keys(PULL_THROUGH_UPSTREAMS), '<name>.azurecr.io'].join(', ')}); Docker Hub is "registry-1.docker.io"`,
      });
      return;
    }
    if (upstream.credentialRequired && rule.credentialSecret === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['credentialSecret'],
        message: `ECR requires upstream credentials for ${rule.upstreamRegistryUrl}: name a Secrets Manager secret "ecr-pullthroughcache/…"`,
      });
    }
  });

const imagesSchema = z
  .strictObject({
    /**
     * Central ECR registries images may come from besides the primary's own; the copy step
     * reads them with its own role, which the central account's repository policy must grant
     * (see docs/configuration.md).
     * @default []
     */
    centralRegistries: z.array(z.strictObject({ account: accountId, region })).default([]),
    /**
     * Pull-through cache rules created in staging; images on their upstream are imported by
     * digest through them.
     * @default []
     */
    pullThroughCache: z.array(pullThroughCacheRuleSchema).default([]),
  })
  .superRefine((images, ctx) => {
    const seen = new Map<string, number>();
    for (const [index, rule] of images.pullThroughCache.entries()) {
      for (const [key, value] of [
        ['ecrRepositoryPrefix', rule.ecrRepositoryPrefix],
        ['upstreamRegistryUrl', rule.upstreamRegistryUrl],
      ] as const) {
        const first = seen.get(`${key}=${value}`);
        if (first !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['pullThroughCache', index, key],
            message: `"${value}" is already used by pullThroughCache[${first}]`,
          });
        } else {
          seen.set(`${key}=${value}`, index);
        }
      }
    }
  });

const serviceSelectorSchema = z.strictObject({
  /** Tag key on the ECS service. */
  tagKey: name,
  /** Tag value that marks a service as protected. */
  tagValue: name,
});

const DEFAULT_QUANTILES = [0.025, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.975];

const forecastSchema = z.strictObject({
  /**
   * EventBridge schedule of the forecaster: `rate(...)` or 6-field `cron(...)`.
   * @default 'rate(1 hour)'
   */
  schedule: scheduleExpression.default('rate(1 hour)'),
  /**
   * How far ahead each forecast looks, in hours.
   * @default 24
   */
  horizonHours: z.number().int().min(1).max(168).default(24),
  /**
   * Forecast step, in minutes; must divide the horizon.
   * @default 60
   */
  intervalMinutes: z.number().int().min(1).max(1440).default(60),
  /**
   * Days of metric history each forecast fits on.
   * @default 28
   */
  historyDays: z.number().int().min(1).max(455).default(28),
  /**
   * Quantile levels stored per forecast, strictly ascending within (0, 1).
   * @default [0.025, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.975]
   */
  quantiles: z.array(probability).min(1).default(DEFAULT_QUANTILES),
  /**
   * Known events (launches, sales, batch windows) that lift or lower the forecast: objects
   * `{ name, start, end, multiplier, services?, metrics? }` as `understudy forecast --events`
   * reads them; validated at synth.
   * @default undefined (no events)
   */
  events: z
    .array(z.unknown())
    .optional()
    .superRefine((events, ctx) => {
      if (events === undefined) return;
      try {
        validateEvents(events, 'forecast.events');
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        for (const issue of error.issues) ctx.addIssue({ code: 'custom', message: issue });
      }
    }),
  /**
   * Memory of the forecast Lambda in MiB; Lambda's CPU share scales with it (one vCPU at 1769).
   * @default 1769 (sizing in `lib/constructs/forecaster.ts`)
   */
  memoryMiB: z.number().int().min(512).max(10240).optional(),
});

const policySchema = z.strictObject({
  /**
   * Stage clones whose containers run privileged.
   * @default false
   */
  allowPrivileged: z.boolean().default(false),
  /**
   * Stage clones that use `host` network mode.
   * @default false
   */
  allowHostNetwork: z.boolean().default(false),
  /**
   * Stage clones whose tasks share the host's process namespace (`pidMode: host`).
   * @default undefined (false)
   */
  allowHostPid: z.boolean().optional(),
  /**
   * Stage clones whose tasks share the host's IPC namespace (`ipcMode: host`).
   * @default undefined (false)
   */
  allowHostIpc: z.boolean().optional(),
  /**
   * Linux capabilities containers may add (`linuxParameters.capabilities.add`).
   * @default undefined (none)
   */
  allowedCapabilities: z.array(name).optional(),
});

const drillSchema = z.strictObject({
  /**
   * ECS cluster (staging account and region) that drills deploy into; never a production one.
   * The drill stack creates it (Fargate capacity providers).
   * @default 'understudy-drill'
   */
  cluster: name.default('understudy-drill'),
  /**
   * Approval of the drill's failover. A drill is a rehearsal: `auto` by default; `manual` makes
   * each drill wait for `understudy failover approve` (on the drill's failover table).
   * @default 'auto'
   */
  approvalMode: z.enum(['auto', 'manual']).default('auto'),
  /**
   * The drill's lease item in the staging lease table (`LEASE#<leaseId>`); never `authority`.
   * @default 'drill'
   */
  leaseId: name
    .refine((id) => id !== 'authority', 'must not be the production lease id (authority)')
    .default('drill'),
  /**
   * Deploy the `UnderstudyDrill` stack.
   * @default true
   */
  enabled: z.boolean().default(true),
});

const approvalSchema = z.strictObject({
  /**
   * `manual`: the workflow waits for `understudy failover approve|decline`. `auto`: it goes on
   * without asking (opt-in; a manual start still asks).
   * @default 'manual'
   */
  mode: z.enum(['manual', 'auto']).default('manual'),
  /**
   * How long the workflow waits for a decision, seconds (Step Functions allows up to a year).
   * @default 3600
   */
  timeoutSeconds: z.number().int().min(60).max(31_536_000).default(3600),
  /**
   * What a timed-out approval counts as.
   * @default 'declined'
   */
  timeoutOutcome: z.enum(['declined', 'approved']).default('declined'),
});

/**
 * Deploy-time sizing of a failover from the latest forecast (`failover.sizing`): the quantile's
 * peak over the next window, clamped to the clone's scaling bounds; stale or missing forecasts
 * keep the plan's count. The core schema (`functions/core/failover/forecast-sizing.ts`) validates
 * the values; this one pins the keys.
 */
const failoverSizingSchema = z.strictObject({
  /** Size from the latest forecast. @default true */
  enabled: z.boolean().optional(),
  /** Quantile level planned for. @default 0.9 */
  quantile: probability.optional(),
  /** The window ahead whose peak is planned for, seconds. @default 3600 */
  windowSeconds: z
    .number()
    .int()
    .min(60)
    .max(7 * 24 * 3600)
    .optional(),
  /** Forecasts older than this are stale, seconds. @default 21600 */
  maxAgeSeconds: z.number().int().min(60).optional(),
  /** Fraction of per-task capacity planned for. @default 0.6 */
  targetUtilization: probability.optional(),
  /**
   * Per service (`cluster/service`): the tasks its forecast history ran with (`referenceTasks`),
   * optionally its own `targetUtilization`, `quantile`, `requestsPerTask`.
   * @default {} (every service keeps the plan's count)
   */
  services: z
    .record(
      z.string().regex(/^[^/]+\/[^/]+$/, 'must be "cluster/service"'),
      z.strictObject({
        referenceTasks: z.number().int().positive(),
        targetUtilization: probability.optional(),
        quantile: probability.optional(),
        requestsPerTask: z.number().positive().optional(),
      }),
    )
    .optional(),
});

const failoverSchema = z.strictObject({
  /** The approval gate. @default manual, one hour, declined on timeout */
  approval: approvalSchema.default({
    mode: 'manual',
    timeoutSeconds: 3600,
    timeoutOutcome: 'declined',
  }),
  /**
   * Minimum time between two failovers, minutes: a flapping quorum causes one failover.
   * @default 30
   */
  minDelayMinutes: z.number().int().min(0).max(10_080).default(30),
  /**
   * Fraction of services that may fail (timeout, circuit breaker) with the run still completing
   * (with the list of failed services); above it the run fails loudly.
   * @default 0.1
   */
  partialFailureThreshold: z.number().min(0).max(1).default(0.1),
  /**
   * Seconds one service may take to become steady before it counts as failed.
   * @default 900
   */
  serviceTimeoutSeconds: z.number().int().min(60).max(86_400).default(900),
  /**
   * Services per deploy page (one Lambda invocation of UpdateService calls).
   * @default 50
   */
  deployPageSize: z.number().int().min(1).max(500).default(50),
  /**
   * A plan older than this is deployed with a warning, seconds.
   * @default 604800 (7 days)
   */
  planMaxAgeSeconds: z
    .number()
    .int()
    .positive()
    .default(7 * 24 * 3600),
  /**
   * Per-service traffic switch (`cluster/service` → route): a pre-created Route 53 failover
   * record whose health check follows a metric the failover publishes, or ARC routing controls.
   * Services without a route are deployed but their traffic is not moved.
   * @default {}
   */
  traffic: z
    .record(z.string().regex(/^[^/]+\/[^/]+$/, 'must be "cluster/service"'), trafficRouteSchema)
    .default({}),
  /**
   * Deploy-time sizing from the latest forecast.
   * @default undefined (enabled, p90 over the next hour; no service configured)
   */
  sizing: failoverSizingSchema.optional(),
});

/** One service the adapt loop moves the minimum capacity of, keyed by its primary `cluster/service`. */
const adaptServiceSchema = z.strictObject({
  /** The listed service (`cluster/service`, one of `services`). */
  service: z.string().regex(/^[^/]+\/[^/]+$/, 'must be "cluster/service"'),
  /**
   * Demand signals compared with the forecast bands.
   * @default ['cpu']
   */
  metrics: z
    .array(z.enum(['cpu', 'memory', 'requestRate', 'queueDepth']))
    .min(1)
    .default(['cpu']),
  /** Tasks the primary ran while its forecast history was recorded (utilisation is relative to it). */
  referenceTasks: z.number().int().positive(),
  /** Requests per period one task serves (needed with `requestRate`). @default undefined */
  requestsPerTask: z.number().positive().optional(),
  /** Queue messages one task absorbs (needed with `queueDepth`). @default undefined */
  messagesPerTask: z.number().positive().optional(),
  /**
   * Staging's own metric dimensions (its target group, load balancer, queue), as CloudWatch names
   * them. @default none (cpu and memory need none)
   */
  stagingMetrics: z
    .strictObject({
      targetGroup: z.string().min(1).optional(),
      loadBalancer: z.string().min(1).optional(),
      queueName: z.string().min(1).optional(),
    })
    .optional(),
});

const adaptSchema = z.strictObject({
  /**
   * Minutes between two runs of the adapt Lambda, and the metric period it reads.
   * @default 5
   */
  scheduleMinutes: z.number().int().min(1).max(60).default(5),
  /** Days of the primary's history read at the first run of a failover. @default 14 */
  historyDays: z.number().int().min(2).max(60).default(14),
  /** Services decided at once. @default 3 */
  concurrency: z.number().int().min(1).max(16).default(3),
  /**
   * The services adapted; none builds no adapt Lambda.
   * @default []
   */
  services: z.array(adaptServiceSchema).default([]),
  /**
   * Overrides of the policy's constants (`DEFAULT_ADAPT_SETTINGS`, chosen on the calibration
   * split of `npm run bench:adapt`): k periods, hysteresis, cooldowns, quantile, lookahead, the
   * recurring-burst floor. @default {} (the calibrated defaults)
   */
  settings: z
    .strictObject({
      consecutivePeriods: z.number().int().min(1).optional(),
      level: probability.optional(),
      lookaheadSteps: z.number().int().min(1).optional(),
      hysteresis: z.number().min(0).lt(1).optional(),
      scaleOutCooldownSeconds: z.number().int().min(0).optional(),
      scaleInCooldownSeconds: z.number().int().min(0).optional(),
      peakLevel: probability.optional(),
      recurringDays: z.number().int().min(0).max(60).optional(),
      recurringLevel: z.number().min(0).max(1).optional(),
      recurringSlackSeconds: z.number().int().min(0).lt(43_200).optional(),
    })
    .default({}),
});

/**
 * The handback workflow (`statemachines/handback.asl.json`): when it starts, how each service is
 * handed back, and how long it waits for the primary.
 */
const handbackSchema = z.strictObject({
  /**
   * Mode of every service without its own. `replace`: the primary redeploys its own
   * configuration, traffic moves back once it is steady and staging returns to its standby tier
   * (the primary's IaC stays the one source of truth, and the shadow stops costing). `integrate`:
   * the staging services stay up and become the primary's (the primary's IaC must adopt them
   * from the report), so it is opt-in.
   * @default 'replace'
   */
  defaultMode: z.enum(['integrate', 'replace']).default('replace'),
  /**
   * Per-service mode (`cluster/service` → `integrate` | `replace`).
   * @default {}
   */
  modes: z
    .record(
      z.string().regex(/^[^/]+\/[^/]+$/, 'must be "cluster/service"'),
      z.enum(['integrate', 'replace']),
    )
    .default({}),
  /**
   * N: consecutive OK periods of the detection quorum before a handback starts.
   * @default 5
   */
  okPeriods: z.number().int().min(1).max(1440).default(5),
  /**
   * The quorum's evaluation period, seconds (the starter's re-check runs once per period).
   * @default 60
   */
  periodSeconds: z.number().int().min(60).max(3600).default(60),
  /** The approval gate. @default manual, one hour, declined on timeout */
  approval: approvalSchema.default({
    mode: 'manual',
    timeoutSeconds: 3600,
    timeoutOutcome: 'declined',
  }),
  /**
   * How long a replace handback waits for the primary's services to be steady and healthy
   * before it stops (the lease stays with the shadow), seconds.
   * @default 1800
   */
  primaryTimeoutSeconds: z.number().int().min(60).max(86_400).default(1800),
  /**
   * Seconds between two checks of the primary's services.
   * @default 30
   */
  pollSeconds: z.number().int().min(5).max(3600).default(30),
  /**
   * Services per page of a per-service step (one Lambda invocation).
   * @default 50
   */
  pageSize: z.number().int().min(1).max(500).default(50),
});

/** The whole `understudy` context object, before cross-field checks. */
const configObjectSchema = z.strictObject({
  /** Where the protected services run and the forecaster lives. */
  primary: locationSchema,
  /** Where clones, the inventory, the lease and the failover workflows live. */
  staging: stagingSchema,
  /** Detection quorum: Route 53 health check and alarm. */
  healthCheck: healthCheckSchema,
  /**
   * Who each alarm tier notifies (every stack with alarms has a page and a ticket topic).
   * @default no subscriptions (synth warns)
   */
  alarms: alarmsSchema.default({ page: EMPTY_TIER, ticket: EMPTY_TIER }),
  /**
   * Protected services, listed. Exactly one of `services` and `serviceSelector`.
   * @default undefined
   */
  services: z.array(serviceSchema).min(1).optional(),
  /**
   * Protected services, found by tag. Exactly one of `services` and `serviceSelector`.
   * @default undefined
   */
  serviceSelector: serviceSelectorSchema.optional(),
  /** Forecaster settings. */
  forecast: forecastSchema.default({
    schedule: 'rate(1 hour)',
    horizonHours: 24,
    intervalMinutes: 60,
    historyDays: 28,
    quantiles: DEFAULT_QUANTILES,
  }),
  /** Global demand thresholds per metric. @default cpu 70, memory 80, others unset */
  thresholds: thresholdsSchema.default({ cpu: 70, memory: 80 }),
  /**
   * Probability, in (0, 1], that demand crosses a threshold within the horizon at which the
   * clone tier is raised and services are cloned at once.
   * @default 0.3
   */
  triggerProbability: z
    .number()
    .gt(0, 'must be within (0, 1]')
    .max(1, 'must be within (0, 1]')
    .default(0.3),
  /**
   * Images outside the primary's ECR: central ECR registries and pull-through cache rules.
   * @default none (every image must be in the primary's ECR)
   */
  images: imagesSchema.default({ centralRegistries: [], pullThroughCache: [] }),
  /** What clones may contain. @default nothing privileged, no host networking */
  policy: policySchema.default({ allowPrivileged: false, allowHostNetwork: false }),
  /**
   * A staged clone older than the primary's revision by more than this many minutes is stale.
   * @default 60
   */
  freshnessTargetMinutes: z.number().int().positive().default(60),
  /**
   * When the integrity check re-validates every service's latest clone against staging and the
   * primary (EventBridge schedule expression).
   * @default 'rate(15 minutes)'
   */
  integrityCheckSchedule: scheduleExpression.default('rate(15 minutes)'),
  /**
   * Retention of old clone versions: beyond the newest `keepVersions` per service, versions at
   * least `minAgeDays` old are deleted on `schedule`, with the staged images and task-definition
   * revisions no remaining version uses. Never the latest validated or the pinned version.
   * @default keep 10, at least 7 days old, daily
   */
  retention: z
    .strictObject({
      keepVersions: z.number().int().min(1, 'must be ≥ 1').default(10),
      minAgeDays: z.number().nonnegative('must be ≥ 0').default(7),
      schedule: scheduleExpression.default('rate(1 day)'),
    })
    .default({ keepVersions: 10, minAgeDays: 7, schedule: 'rate(1 day)' }),
  /** The failover workflow. @default manual approval, 30 minutes between failovers */
  failover: failoverSchema.default({
    approval: { mode: 'manual', timeoutSeconds: 3600, timeoutOutcome: 'declined' },
    minDelayMinutes: 30,
    partialFailureThreshold: 0.1,
    serviceTimeoutSeconds: 900,
    deployPageSize: 50,
    planMaxAgeSeconds: 7 * 24 * 3600,
    traffic: {},
  }),
  /** The adapt loop while the shadow holds authority. @default every 5 minutes, no services */
  adapt: adaptSchema.default({
    scheduleMinutes: 5,
    historyDays: 14,
    concurrency: 3,
    services: [],
    settings: {},
  }),
  /** The handback workflow. @default replace, 5 OK periods of 60 s, manual approval */
  handback: handbackSchema.default({
    defaultMode: 'replace',
    modes: {},
    okPeriods: 5,
    periodSeconds: 60,
    approval: { mode: 'manual', timeoutSeconds: 3600, timeoutOutcome: 'declined' },
    primaryTimeoutSeconds: 1800,
    pollSeconds: 30,
    pageSize: 50,
  }),
  /** Drill deployment. @default cluster 'understudy-drill', auto approval, lease 'drill' */
  drill: drillSchema.default({
    cluster: 'understudy-drill',
    approvalMode: 'auto',
    leaseId: 'drill',
    enabled: true,
  }),
  /**
   * What happens to stateful resources (tables, keys, log groups) when a stack is deleted.
   * @default 'retain'
   */
  removalPolicy: z.enum(['retain', 'destroy']).default('retain'),
  /**
   * AWS Organizations id; when set, the observer role also requires `aws:PrincipalOrgID`.
   * @default undefined
   */
  organizationId: z
    .string()
    .regex(/^o-[a-z0-9]{10,32}$/, 'must be an organization id such as o-abcd123456')
    .optional(),
});

/** Cross-field rules zod cannot express per field. */
const configSchema = configObjectSchema.superRefine((config, ctx) => {
  const hasList = config.services !== undefined;
  const hasSelector = config.serviceSelector !== undefined;
  if (hasList === hasSelector) {
    ctx.addIssue({
      code: 'custom',
      path: hasList ? ['serviceSelector'] : ['services'],
      message: 'exactly one of "services" and "serviceSelector" must be set',
    });
  }

  const { quantiles, horizonHours, intervalMinutes } = config.forecast;
  for (const [index, q] of quantiles.entries()) {
    const previous = quantiles[index - 1];
    if (previous !== undefined && q <= previous) {
      ctx.addIssue({
        code: 'custom',
        path: ['forecast', 'quantiles', index],
        message: `quantiles must be strictly ascending (${q} follows ${previous})`,
      });
    }
  }
  if ((horizonHours * 60) % intervalMinutes !== 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['forecast', 'intervalMinutes'],
      message: `${intervalMinutes} does not divide the ${horizonHours}-hour horizon`,
    });
  }

  // adapt (h-adapt-aws): the adapt loop moves only services Understudy protects and clones
  // (with services found by tag there is no list to check against: the stack warns instead).
  if (config.services) {
    const listed = new Set((config.services ?? []).map((s) => `${s.cluster}/${s.service}`));
    for (const [index, s] of config.adapt.services.entries()) {
      if (!listed.has(s.service)) {
        ctx.addIssue({
          code: 'custom',
          path: ['adapt', 'services', index, 'service'],
          message: `${s.service} is not one of the listed services`,
        });
      }
    }
  }
  // A route for a service Understudy does not protect would never be switched: say so at synth.
  if (config.services) {
    const listed = new Set(config.services.map((s) => `${s.cluster}/${s.service}`));
    for (const key of Object.keys(config.failover.traffic)) {
      if (!listed.has(key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['failover', 'traffic', key],
          message: `${key} is not one of the listed services`,
        });
      }
    }
  }

  const services = config.services ?? [];
  const firstIndex = new Map<string, number>();
  for (const [index, s] of services.entries()) {
    const key = `${s.cluster}/${s.service}`;
    if (firstIndex.has(key)) {
      ctx.addIssue({
        code: 'custom',
        path: ['services', index],
        message: `duplicate service ${key}`,
      });
    } else {
      firstIndex.set(key, index);
    }
    if (s.maxTasks < s.minTasks) {
      ctx.addIssue({
        code: 'custom',
        path: ['services', index, 'maxTasks'],
        message: `${s.maxTasks} is below minTasks ${s.minTasks}`,
      });
    }
    if (!quantiles.includes(s.capacityQuantile)) {
      ctx.addIssue({
        code: 'custom',
        path: ['services', index, 'capacityQuantile'],
        message: `${s.capacityQuantile} is not one of forecast.quantiles`,
      });
    }
  }
  for (const [index, s] of services.entries()) {
    for (const [d, dependency] of s.dependsOn.entries()) {
      if (!firstIndex.has(dependency)) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', index, 'dependsOn', d],
          message: `unknown service ${dependency}`,
        });
      } else if (dependency === `${s.cluster}/${s.service}`) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', index, 'dependsOn', d],
          message: 'a service cannot depend on itself',
        });
      }
    }
  }
  const stagingVpc = config.staging.vpcId;
  for (const [sourceVpc, target] of Object.entries(config.staging.mappings.securityGroupVpcs)) {
    // The clone pipeline copies every group into staging.vpcId, and sync-network's IAM grants
    // are limited to that one VPC: a second staging VPC would fail at run time, so fail here.
    if (target !== stagingVpc) {
      ctx.addIssue({
        code: 'custom',
        path: ['staging', 'mappings', 'securityGroupVpcs', sourceVpc],
        message: `${target} is not staging.vpcId (${stagingVpc ?? 'unset'}): copied security groups are created in staging.vpcId only`,
      });
    }
  }

  detectorPlacementIssues(config, ctx);
  const alarmRegions = new Set([
    config.primary.region,
    config.staging.region,
    config.healthCheck.region,
  ]);
  for (const tier of ['page', 'ticket'] as const) {
    const perRegion = new Map<string, number>();
    for (const [index, arn] of config.alarms[tier].topicArns.entries()) {
      const topicRegion = arn.split(':')[3] ?? '';
      // CloudWatch takes at most 5 actions per alarm state; the tier's own topic is one of them.
      const count = (perRegion.get(topicRegion) ?? 0) + 1;
      perRegion.set(topicRegion, count);
      if (count > 4) {
        ctx.addIssue({
          code: 'custom',
          path: ['alarms', tier, 'topicArns', index],
          message: `more than 4 topics in ${topicRegion}: an alarm takes at most 5 actions, one of them the tier's own topic`,
        });
      }
      if (!alarmRegions.has(topicRegion)) {
        ctx.addIssue({
          code: 'custom',
          path: ['alarms', tier, 'topicArns', index],
          message: `${topicRegion} holds no Understudy alarms (they live in ${[...alarmRegions].sort().join(', ')}), and an alarm notifies only topics of its own region`,
        });
      }
    }
  }

  const cycle = findCycle(services);
  if (cycle) {
    ctx.addIssue({
      code: 'custom',
      path: ['services', cycle.index, 'dependsOn'],
      message: `dependency cycle ${cycle.keys.join(' -> ')}`,
    });
  }
});

/**
 * Where the detection quorum may run. Two rules AWS imposes, checked here so synth fails instead
 * of a failover that can never start: Route 53 publishes `HealthCheckStatus` only in us-east-1
 * (elsewhere the health-check alarm never gets data and stays OK), and a detector in the
 * primary's region goes dark with the authority it watches.
 */
function detectorPlacementIssues(
  config: z.output<typeof configObjectSchema>,
  ctx: z.core.$RefinementCtx,
): void {
  const { healthCheck, primary } = config;
  if (healthCheck.region === primary.region) {
    ctx.addIssue({
      code: 'custom',
      path: ['healthCheck', 'region'],
      message:
        primary.region === ROUTE53_METRICS_REGION
          ? `${healthCheck.region} is the primary's region: a regional outage would take the detection quorum down with the authority it watches. Set healthCheck.region to another region (e.g. us-east-2) and healthCheck.probeOnly to true: Route 53 publishes HealthCheckStatus only in us-east-1, so elsewhere the probe heartbeat is the only signal`
          : `${healthCheck.region} is the primary's region: a regional outage would take the detection quorum down with the authority it watches. Set healthCheck.region to ${ROUTE53_METRICS_REGION} (where Route 53 publishes HealthCheckStatus), or to another region with healthCheck.probeOnly true`,
    });
  } else if (healthCheck.region !== ROUTE53_METRICS_REGION && !healthCheck.probeOnly) {
    ctx.addIssue({
      code: 'custom',
      path: ['healthCheck', 'region'],
      message: `Route 53 publishes HealthCheckStatus only in ${ROUTE53_METRICS_REGION}: in ${healthCheck.region} the health-check alarm never gets data and stays OK, so the quorum can never start a failover. Set healthCheck.region to ${ROUTE53_METRICS_REGION}, or set healthCheck.probeOnly to true to rely on the probe heartbeat alone`,
    });
  }
  if (healthCheck.probeOnly && healthCheck.endpoint !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['healthCheck', 'endpoint'],
      message:
        'unused with healthCheck.probeOnly (no Route 53 health check is created): remove it, or set probeOnly to false',
    });
  }
  if (!healthCheck.probeOnly && healthCheck.endpoint === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['healthCheck', 'endpoint'],
      message:
        'required but missing: the https:// endpoint Route 53 checks (or set healthCheck.probeOnly to true to rely on the probe heartbeat alone)',
    });
  }
}

/** A dependency cycle among listed services (self-dependencies are reported separately). */
function findCycle(
  services: readonly { cluster: string; service: string; dependsOn: readonly string[] }[],
): { index: number; keys: string[] } | undefined {
  const edges = new Map(services.map((s) => [`${s.cluster}/${s.service}`, s.dependsOn]));
  const state = new Map<string, 'visiting' | 'done'>();
  const walk = (key: string, trail: string[]): string[] | undefined => {
    if (state.get(key) === 'done') return undefined;
    if (state.get(key) === 'visiting') return [...trail.slice(trail.indexOf(key)), key];
    state.set(key, 'visiting');
    for (const next of edges.get(key) ?? []) {
      if (next === key || !edges.has(next)) continue;
      const found = walk(next, [...trail, key]);
      if (found) return found;
    }
    state.set(key, 'done');
    return undefined;
  };
  for (const [index, s] of services.entries()) {
    const keys = walk(`${s.cluster}/${s.service}`, []);
    if (keys) return { index, keys };
  }
  return undefined;
}

/** Validated configuration with every default applied. */
export type UnderstudyConfig = z.output<typeof configSchema>;
/** Configuration as written in `cdk.json` (defaults optional). */
export type UnderstudyConfigInput = z.input<typeof configSchema>;
/** Primary or staging account + region. */
export type LocationConfig = UnderstudyConfig['primary'];
/** The `staging` section. */
export type StagingConfig = UnderstudyConfig['staging'];
/** The `staging.mappings` section. */
export type MappingsConfig = StagingConfig['mappings'];
/** The `healthCheck` section. */
export type HealthCheckConfig = UnderstudyConfig['healthCheck'];
/** One entry of `services`. */
export type ServiceConfig = NonNullable<UnderstudyConfig['services']>[number];
/** The `serviceSelector` section. */
export type ServiceSelectorConfig = NonNullable<UnderstudyConfig['serviceSelector']>;
/** The `forecast` section. */
export type ForecastConfig = UnderstudyConfig['forecast'];
/** Global thresholds per resource metric. */
export type ThresholdsConfig = UnderstudyConfig['thresholds'];
/** The `policy` section. */
export type PolicyConfig = UnderstudyConfig['policy'];
/** The `alarms` section. */
export type AlarmsConfig = UnderstudyConfig['alarms'];
/** Who one alarm tier notifies. */
export type AlarmTierConfig = AlarmsConfig['page'];
/** The `drill` section. */
export type DrillConfig = UnderstudyConfig['drill'];
/** Parsed `adapt` section. */
export type AdaptSectionConfig = UnderstudyConfig['adapt'];
/** Parsed `handback` section. */
export type HandbackConfig = UnderstudyConfig['handback'];

/** Parsed `failover` section. */
export type FailoverConfig = UnderstudyConfig['failover'];

/** Renders a zod issue path as the key a user edits: `understudy.services[2].cluster`. */
export function keyPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, part) => (typeof part === 'number' ? `${out}[${part}]` : `${out}.${String(part)}`),
    CONTEXT_KEY,
  );
}

/** One line per problem, naming the key a user edits. */
function describeIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map(
      (key) => `${keyPath([...issue.path, key])}: unknown key (check its spelling)`,
    );
  }
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
    return [`${keyPath(issue.path)}: required but missing (expected ${issue.expected})`];
  }
  return [`${keyPath(issue.path)}: ${issue.message}`];
}

/**
 * Validates the raw `understudy` context value and applies defaults.
 * @throws {ConfigError} naming every failing key path.
 */
export function loadConfig(raw: unknown): UnderstudyConfig {
  if (raw === undefined || raw === null) {
    throw new ConfigError([
      `${CONTEXT_KEY}: missing; set it in cdk.json "context" or pass -c ${CONTEXT_KEY}='{...}'`,
    ]);
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(result.error.issues.flatMap(describeIssue), { cause: result.error });
  }
  return result.data;
}

/** Thresholds for one service: the global ones with the service's overrides applied. */
export function thresholdsFor(config: UnderstudyConfig, service: ServiceConfig): ThresholdsConfig {
  const merged: Record<string, number | undefined> = { ...config.thresholds };
  for (const metric of RESOURCE_METRICS) {
    const override = service.thresholds[metric];
    if (override !== undefined) merged[metric] = override;
  }
  return merged as ThresholdsConfig;
}
