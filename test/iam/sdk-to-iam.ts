/**
 * THE mapping table of the IAM replay tier: SDK v3 operation → what IAM authorizes for it.
 *
 * One row per `<iam prefix>:<Operation>` the code sends. Each row lists every authorization AWS
 * makes for that one request: the operation's own action, and the secondary ones AWS checks on
 * the same request (tag-on-create: `ecs:TagResource` with `ecs:CreateAction`, `ec2:CreateTags`
 * with `ec2:CreateAction`, `ecr:TagResource`; `iam:PassRole` with `iam:PassedToService` for roles
 * named in the request; KMS actions a service performs with the caller's permissions, with
 * `kms:ViaService`). Each authorization names the iam-data resource type its ARNs are of, or `*`
 * for an action with no required resource type (IAM then evaluates it against `*`, and only a
 * statement with `Resource: "*"` can allow it); `mapping.test.ts` checks every row against
 * iam-data.
 *
 * Sources: the Service Authorization Reference (via iam-data) for resource types and condition
 * keys; each service's developer guide for the secondary actions (cited per row).
 */
import { createHash } from 'node:crypto';

/** What a row sees of one recorded call. */
export interface CallFacts {
  /** Account that owns the resources (the client's side: primary or staging). */
  readonly account: string;
  /** The client's region. */
  readonly region: string;
  // The SDK's own input and output shapes: rows read the few fields they need.
  // biome-ignore lint/suspicious/noExplicitAny: SDK inputs of many shapes, read field by field
  readonly input: Record<string, any>;
  // biome-ignore lint/suspicious/noExplicitAny: SDK outputs of many shapes, read field by field
  readonly output: Record<string, any> | undefined;
  /** What the scenario knows about a resource: its tags and attributes such as `ec2:Vpc`. */
  facts(arn: string): ResourceFacts;
}

/** Tags and attribute context keys of a resource known to a scenario. */
export interface ResourceFacts {
  readonly tags: Readonly<Record<string, string>>;
  /** Customer managed key the resource is encrypted with (a DynamoDB table). */
  readonly kmsKey?: string;
  /** Context keys AWS derives from the resource itself (e.g. `ec2:Vpc` of a security group). */
  readonly context: Readonly<Record<string, string>>;
  /**
   * A pull-through cache repository whose image ECR still has to fetch from the upstream: a
   * read makes ECR import it (and create the repository on the first pull) as the caller.
   */
  readonly pullThroughCache?: boolean;
}

/** One authorization AWS makes for a request. */
export interface Authorization {
  readonly action: string;
  /** iam-data resource type of `resources`, or `*` (the action has no resource types). */
  readonly resourceType: string;
  /** ARNs evaluated, one simulation each; `['*']` when `resourceType` is `*`. */
  readonly resources: readonly string[];
  /** Request context keys beyond the global ones the evaluator adds. */
  readonly context: Readonly<Record<string, string | string[]>>;
  /**
   * The resource's own policy also decides (KMS key policy, trust policy, bus policy, an ECR
   * repository policy — for another account's repository, the policy its owner grants).
   */
  readonly resourcePolicy?: 'key' | 'trust' | 'bus' | 'repository';
}

/** A row: the static part `mapping.test.ts` checks, and the builder the evaluator calls. */
export interface MappingRow {
  /** Actions (with resource type) this row can produce, for the iam-data check. */
  readonly produces: readonly { readonly action: string; readonly resourceType: string }[];
  authorize(call: CallFacts): Authorization[];
}

const arn = (c: CallFacts, service: string, resource: string, region = c.region) =>
  `arn:aws:${service}:${region}:${c.account}:${resource}`;
const list = (value: unknown): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)];
const nameOf = (value: string) =>
  value.startsWith('arn:') ? (value.split('/').pop() ?? value) : value;
const unscoped = (
  action: string,
  context: Record<string, string | string[]> = {},
): Authorization => ({
  action,
  resourceType: '*',
  resources: ['*'],
  context,
});

/** Request tags as `aws:RequestTag/…` and `aws:TagKeys`. */
function requestTags(tags: Record<string, string>): Record<string, string | string[]> {
  const keys = Object.keys(tags);
  if (keys.length === 0) return {};
  return {
    ...Object.fromEntries(keys.map((k) => [`aws:RequestTag/${k}`, tags[k] as string])),
    'aws:TagKeys': keys,
  };
}
/** Resource tags as `aws:ResourceTag/…`. */
function resourceTags(facts: ResourceFacts): Record<string, string> {
  return Object.fromEntries(
    Object.entries(facts.tags).map(([k, v]) => [`aws:ResourceTag/${k}`, v]),
  );
}
const keyValueTags = (tags: unknown, key = 'key', value = 'value'): Record<string, string> =>
  Object.fromEntries(
    ((tags as Record<string, string>[] | undefined) ?? []).map((t) => [t[key], t[value]]),
  );

// ---------------------------------------------------------------------------------------- ECS
const ecsCluster = (c: CallFacts, cluster: unknown) => {
  const value = String(cluster ?? 'default');
  return value.startsWith('arn:') ? value : arn(c, 'ecs', `cluster/${value}`);
};
const ecsServiceArn = (c: CallFacts, cluster: unknown, service: string) =>
  service.startsWith('arn:')
    ? service
    : arn(c, 'ecs', `service/${nameOf(String(cluster ?? 'default'))}/${service}`);

function passRoles(roleArns: unknown[], service: string): Authorization[] {
  const roles = [
    ...new Set(roleArns.filter((r): r is string => typeof r === 'string' && r !== '')),
  ];
  return roles.length === 0
    ? []
    : [
        {
          action: 'iam:PassRole',
          resourceType: 'role',
          resources: roles,
          context: { 'iam:PassedToService': service },
        },
      ];
}

const ECS: Record<string, MappingRow> = {
  'ecs:DescribeServices': {
    produces: [{ action: 'ecs:DescribeServices', resourceType: 'service' }],
    authorize: (c) => [
      {
        action: 'ecs:DescribeServices',
        resourceType: 'service',
        resources: list(c.input.services).map((s) => ecsServiceArn(c, c.input.cluster, s)),
        context: { 'ecs:cluster': ecsCluster(c, c.input.cluster) },
      },
    ],
  },
  'ecs:DescribeTaskDefinition': {
    produces: [{ action: 'ecs:DescribeTaskDefinition', resourceType: '*' }],
    authorize: () => [unscoped('ecs:DescribeTaskDefinition')],
  },
  'ecs:ListTaskDefinitions': {
    produces: [{ action: 'ecs:ListTaskDefinitions', resourceType: '*' }],
    authorize: () => [unscoped('ecs:ListTaskDefinitions')],
  },
  'ecs:ListClusters': {
    produces: [{ action: 'ecs:ListClusters', resourceType: '*' }],
    authorize: () => [unscoped('ecs:ListClusters')],
  },
  'ecs:ListServices': {
    produces: [{ action: 'ecs:ListServices', resourceType: '*' }],
    authorize: (c) => [
      unscoped('ecs:ListServices', { 'ecs:cluster': ecsCluster(c, c.input.cluster) }),
    ],
  },
  'ecs:DescribeClusters': {
    produces: [{ action: 'ecs:DescribeClusters', resourceType: 'cluster' }],
    authorize: (c) => [
      {
        action: 'ecs:DescribeClusters',
        resourceType: 'cluster',
        resources: (list(c.input.clusters).length > 0 ? list(c.input.clusters) : ['default']).map(
          (cl) => ecsCluster(c, cl),
        ),
        context: {},
      },
    ],
  },
  'ecs:DescribeCapacityProviders': {
    produces: [{ action: 'ecs:DescribeCapacityProviders', resourceType: 'capacity-provider' }],
    authorize: (c) => [
      {
        action: 'ecs:DescribeCapacityProviders',
        resourceType: 'capacity-provider',
        resources: list(c.input.capacityProviders).map((p) =>
          p.startsWith('arn:') ? p : arn(c, 'ecs', `capacity-provider/${p}`),
        ),
        context: {},
      },
    ],
  },
  // RegisterTaskDefinition takes the task-definition resource (the new revision). With tags, ECS
  // also authorizes ecs:TagResource on it with ecs:CreateAction (ECS developer guide, "Grant
  // permission to tag resources on creation"); with roles, iam:PassRole to ecs-tasks.
  'ecs:RegisterTaskDefinition': {
    produces: [
      { action: 'ecs:RegisterTaskDefinition', resourceType: 'task-definition' },
      { action: 'ecs:TagResource', resourceType: 'task-definition' },
      { action: 'iam:PassRole', resourceType: 'role' },
    ],
    authorize: (c) => {
      const revision: string =
        c.output?.taskDefinition?.taskDefinitionArn ??
        arn(c, 'ecs', `task-definition/${c.input.family}:1`);
      const tags = requestTags(keyValueTags(c.input.tags));
      return [
        {
          action: 'ecs:RegisterTaskDefinition',
          resourceType: 'task-definition',
          resources: [revision],
          context: tags,
        },
        ...(Object.keys(tags).length > 0
          ? [
              {
                action: 'ecs:TagResource',
                resourceType: 'task-definition',
                resources: [revision],
                context: { ...tags, 'ecs:CreateAction': 'RegisterTaskDefinition' },
              },
            ]
          : []),
        ...passRoles([c.input.taskRoleArn, c.input.executionRoleArn], 'ecs-tasks.amazonaws.com'),
      ];
    },
  },
  'ecs:DeregisterTaskDefinition': {
    produces: [{ action: 'ecs:DeregisterTaskDefinition', resourceType: '*' }],
    authorize: () => [unscoped('ecs:DeregisterTaskDefinition')],
  },
  'ecs:CreateService': {
    produces: [
      { action: 'ecs:CreateService', resourceType: 'service' },
      { action: 'ecs:TagResource', resourceType: 'service' },
      { action: 'iam:PassRole', resourceType: 'role' },
    ],
    authorize: (c) => {
      const service = ecsServiceArn(c, c.input.cluster, String(c.input.serviceName));
      const cluster = ecsCluster(c, c.input.cluster);
      const tags = requestTags(keyValueTags(c.input.tags));
      const taskDefinition: Record<string, string> = c.input.taskDefinition
        ? { 'ecs:task-definition': String(c.input.taskDefinition) }
        : {};
      return [
        {
          action: 'ecs:CreateService',
          resourceType: 'service',
          resources: [service],
          context: { ...tags, ...taskDefinition, 'ecs:cluster': cluster },
        },
        ...(Object.keys(tags).length > 0
          ? [
              {
                action: 'ecs:TagResource',
                resourceType: 'service',
                resources: [service],
                context: { ...tags, 'ecs:CreateAction': 'CreateService', 'ecs:cluster': cluster },
              },
            ]
          : []),
        // A service role is passed only for classic load balancers outside awsvpc.
        ...passRoles([c.input.role], 'ecs.amazonaws.com'),
      ];
    },
  },
  'ecs:UpdateService': {
    produces: [{ action: 'ecs:UpdateService', resourceType: 'service' }],
    authorize: (c) => {
      const service = ecsServiceArn(c, c.input.cluster, String(c.input.service));
      return [
        {
          action: 'ecs:UpdateService',
          resourceType: 'service',
          resources: [service],
          context: {
            'ecs:cluster': ecsCluster(c, c.input.cluster),
            ...resourceTags(c.facts(service)),
          },
        },
      ];
    },
  },
  // Drill teardown (AwsDrillPlatform.deleteService): force, in the drill cluster only.
  'ecs:DeleteService': {
    produces: [{ action: 'ecs:DeleteService', resourceType: 'service' }],
    authorize: (c) => {
      const service = ecsServiceArn(c, c.input.cluster, String(c.input.service));
      return [
        {
          action: 'ecs:DeleteService',
          resourceType: 'service',
          resources: [service],
          context: {
            'ecs:cluster': ecsCluster(c, c.input.cluster),
            ...resourceTags(c.facts(service)),
          },
        },
      ];
    },
  },
  // The digest a live deployment pinned (EcsContainerPlatform.describePinnedImages).
  'ecs:ListServiceDeployments': {
    produces: [{ action: 'ecs:ListServiceDeployments', resourceType: 'service' }],
    authorize: (c) => {
      const service = ecsServiceArn(c, c.input.cluster, String(c.input.service));
      return [
        {
          action: 'ecs:ListServiceDeployments',
          resourceType: 'service',
          resources: [service],
          context: { 'ecs:cluster': ecsCluster(c, c.input.cluster) },
        },
      ];
    },
  },
  // Evaluated against the service and each revision (both resource types are required).
  'ecs:DescribeServiceRevisions': {
    produces: [
      { action: 'ecs:DescribeServiceRevisions', resourceType: 'service' },
      { action: 'ecs:DescribeServiceRevisions', resourceType: 'service-revision' },
    ],
    authorize: (c) => {
      const revisions = list(c.input.serviceRevisionArns);
      // arn:aws:ecs:<region>:<account>:service-revision/<cluster>/<service>/<id>
      const services = [
        ...new Set(
          revisions.map((r) =>
            r.replace(':service-revision/', ':service/').replace(/\/[^/]+$/, ''),
          ),
        ),
      ];
      const cluster = revisions[0]?.split('/')[1] ?? 'default';
      return [
        {
          action: 'ecs:DescribeServiceRevisions',
          resourceType: 'service',
          resources: services,
          context: { 'ecs:cluster': ecsCluster(c, cluster) },
        },
        {
          action: 'ecs:DescribeServiceRevisions',
          resourceType: 'service-revision',
          resources: revisions,
          context: { 'ecs:cluster': ecsCluster(c, cluster) },
        },
      ];
    },
  },
  // ListTasks' only resource type is a container instance, which the request does not name:
  // IAM evaluates it against `*`, with the cluster as `ecs:cluster`.
  'ecs:ListTasks': {
    produces: [{ action: 'ecs:ListTasks', resourceType: '*' }],
    authorize: (c) => [
      unscoped('ecs:ListTasks', { 'ecs:cluster': ecsCluster(c, c.input.cluster) }),
    ],
  },
  'ecs:DescribeTasks': {
    produces: [{ action: 'ecs:DescribeTasks', resourceType: 'task' }],
    authorize: (c) => {
      const cluster = nameOf(String(c.input.cluster ?? 'default'));
      return [
        {
          action: 'ecs:DescribeTasks',
          resourceType: 'task',
          resources: list(c.input.tasks).map((t) =>
            t.startsWith('arn:') ? t : arn(c, 'ecs', `task/${cluster}/${t}`),
          ),
          context: { 'ecs:cluster': ecsCluster(c, c.input.cluster) },
        },
      ];
    },
  },
};

// ------------------------------------------------------------------- Application Auto Scaling
const scalableTarget = (c: CallFacts): string => {
  const returned = c.output?.ScalableTargetARN;
  if (typeof returned === 'string' && returned.startsWith('arn:')) return returned;
  const id = createHash('sha256').update(String(c.input.ResourceId)).digest('hex').slice(0, 32);
  return arn(c, 'application-autoscaling', `scalable-target/${id}`);
};
const scalingContext = (c: CallFacts): Record<string, string> => ({
  'application-autoscaling:service-namespace': String(c.input.ServiceNamespace),
  'application-autoscaling:scalable-dimension': String(c.input.ScalableDimension),
});

const AUTO_SCALING: Record<string, MappingRow> = {
  'application-autoscaling:DescribeScalableTargets': {
    produces: [{ action: 'application-autoscaling:DescribeScalableTargets', resourceType: '*' }],
    authorize: () => [unscoped('application-autoscaling:DescribeScalableTargets')],
  },
  'application-autoscaling:DescribeScalingPolicies': {
    produces: [{ action: 'application-autoscaling:DescribeScalingPolicies', resourceType: '*' }],
    authorize: () => [unscoped('application-autoscaling:DescribeScalingPolicies')],
  },
  // A scalable target's ARN ends in an id AWS assigns at registration: the one the response
  // names when there is one, else a stand-in of the same form (policies scope it by namespace
  // and dimension, not by id). The first registration for ECS in an account also creates the
  // service-linked role, with the caller's iam:CreateServiceLinkedRole (over-grants.ts).
  'application-autoscaling:RegisterScalableTarget': {
    produces: [
      { action: 'application-autoscaling:RegisterScalableTarget', resourceType: 'ScalableTarget' },
    ],
    authorize: (c) => [
      {
        action: 'application-autoscaling:RegisterScalableTarget',
        resourceType: 'ScalableTarget',
        resources: [scalableTarget(c)],
        context: scalingContext(c),
      },
    ],
  },

  // Target tracking: Application Auto Scaling creates (and replaces) the policy's CloudWatch
  // alarms with the caller's permissions, named TargetTracking-<resource id>-Alarm….
  'application-autoscaling:PutScalingPolicy': {
    produces: [
      { action: 'application-autoscaling:PutScalingPolicy', resourceType: 'ScalableTarget' },
      { action: 'cloudwatch:PutMetricAlarm', resourceType: 'alarm' },
      { action: 'cloudwatch:DescribeAlarms', resourceType: 'alarm' },
    ],
    authorize: (c) => {
      const own: Authorization = {
        action: 'application-autoscaling:PutScalingPolicy',
        resourceType: 'ScalableTarget',
        resources: [scalableTarget(c)],
        context: scalingContext(c),
      };
      if (c.input.PolicyType !== 'TargetTrackingScaling') return [own];
      const named = ((c.output?.Alarms as { AlarmName?: string }[] | undefined) ?? [])
        .map((a) => a.AlarmName)
        .filter((n): n is string => typeof n === 'string');
      const alarms = (
        named.length > 0
          ? named
          : ['AlarmHigh', 'AlarmLow'].map(
              (kind) => `TargetTracking-${String(c.input.ResourceId)}-${kind}-replay`,
            )
      ).map((name) => arn(c, 'cloudwatch', `alarm:${name}`));
      return [
        own,
        ...['cloudwatch:PutMetricAlarm', 'cloudwatch:DescribeAlarms'].map((action) => ({
          action,
          resourceType: 'alarm',
          resources: alarms,
          context: {},
        })),
      ];
    },
  },
};

// ---------------------------------------------------------------------------------------- ECR
const repository = (c: CallFacts) =>
  `arn:aws:ecr:${c.region}:${c.input.registryId ?? c.account}:repository/${c.input.repositoryName}`;
/** A read or write on one repository, with its tags as `aws:ResourceTag/…`. */
const onRepository = (action: string): MappingRow => ({
  produces: [{ action, resourceType: 'repository' }],
  authorize: (c) => {
    const repo = repository(c);
    return [
      {
        action,
        resourceType: 'repository',
        resources: [repo],
        context: resourceTags(c.facts(repo)),
        resourcePolicy: 'repository',
      },
    ];
  },
});

/**
 * A read of a pull-through cache repository (ECR user guide, "Pull through cache rules": IAM
 * permissions): when the image is not cached yet, ECR fetches it from the upstream with the
 * caller's `ecr:BatchImportUpstreamImage`, creating the repository on the first pull with the
 * caller's `ecr:CreateRepository`; the read itself is authorized as usual.
 */
const onCachedRepository = (action: string, importsManifest: boolean): MappingRow => ({
  produces: [
    { action, resourceType: 'repository' },
    { action: 'ecr:BatchImportUpstreamImage', resourceType: 'repository' },
    ...(importsManifest ? [{ action: 'ecr:CreateRepository', resourceType: 'repository' }] : []),
  ],
  authorize: (c) => {
    const [own] = onRepository(action).authorize(c);
    if (!own) return [];
    const repo = repository(c);
    if (!c.facts(repo).pullThroughCache) return [own];
    const imports = [
      'ecr:BatchImportUpstreamImage',
      ...(importsManifest ? ['ecr:CreateRepository'] : []),
    ];
    return [
      own,
      ...imports.map((importAction) => ({
        action: importAction,
        resourceType: 'repository',
        resources: [repo],
        context: {},
      })),
    ];
  },
});

const ECR: Record<string, MappingRow> = {
  'ecr:GetAuthorizationToken': {
    produces: [{ action: 'ecr:GetAuthorizationToken', resourceType: '*' }],
    authorize: () => [unscoped('ecr:GetAuthorizationToken')],
  },
  ...Object.fromEntries(
    [
      'DescribeImages',
      'BatchCheckLayerAvailability',
      'InitiateLayerUpload',
      'UploadLayerPart',
      'CompleteLayerUpload',
      'PutImage',
      'PutLifecyclePolicy',
      'BatchDeleteImage',
      'ListImages',
    ].map((op) => [`ecr:${op}`, onRepository(`ecr:${op}`)]),
  ),
  'ecr:BatchGetImage': onCachedRepository('ecr:BatchGetImage', true),
  'ecr:GetDownloadUrlForLayer': onCachedRepository('ecr:GetDownloadUrlForLayer', false),
  // Tags on CreateRepository need ecr:TagResource too; a KMS-encrypted repository needs the
  // creator's kms:CreateGrant, kms:RetireGrant and kms:DescribeKey on the key, through ECR
  // (ECR user guide, "Encryption at rest": required IAM permissions).
  'ecr:CreateRepository': {
    produces: [
      { action: 'ecr:CreateRepository', resourceType: 'repository' },
      { action: 'ecr:TagResource', resourceType: 'repository' },
      { action: 'kms:CreateGrant', resourceType: 'key' },
      { action: 'kms:RetireGrant', resourceType: 'key' },
      { action: 'kms:DescribeKey', resourceType: 'key' },
    ],
    authorize: (c) => {
      const repo = repository(c);
      const tags = requestTags(keyValueTags(c.input.tags, 'Key', 'Value'));
      const key: string | undefined = c.input.encryptionConfiguration?.kmsKey;
      const via = { 'kms:ViaService': `ecr.${c.region}.amazonaws.com` };
      return [
        {
          action: 'ecr:CreateRepository',
          resourceType: 'repository',
          resources: [repo],
          context: tags,
        },
        ...(Object.keys(tags).length > 0
          ? [
              {
                action: 'ecr:TagResource',
                resourceType: 'repository',
                resources: [repo],
                context: tags,
              },
            ]
          : []),
        ...(key
          ? ['kms:CreateGrant', 'kms:RetireGrant', 'kms:DescribeKey'].map(
              (action): Authorization => ({
                action,
                resourceType: 'key',
                resources: [key],
                context: via,
                resourcePolicy: 'key',
              }),
            )
          : []),
      ];
    },
  },
};

// ---------------------------------------------------------------------------------------- EC2
const groupArn = (c: CallFacts, id: string) => arn(c, 'ec2', `security-group/${id}`);
const onGroup = (action: string): MappingRow => ({
  produces: [{ action, resourceType: 'security-group' }],
  authorize: (c) => {
    const group = groupArn(c, String(c.input.GroupId));
    const facts = c.facts(group);
    return [
      {
        action,
        resourceType: 'security-group',
        resources: [group],
        context: { ...resourceTags(facts), ...facts.context },
      },
    ];
  },
});

const EC2: Record<string, MappingRow> = {
  ...Object.fromEntries(
    ['DescribeSecurityGroups', 'DescribeSubnets', 'DescribeVpcs', 'DescribeSecurityGroupRules'].map(
      (op) => [
        `ec2:${op}`,
        {
          produces: [{ action: `ec2:${op}`, resourceType: '*' }],
          authorize: () => [unscoped(`ec2:${op}`)],
        },
      ],
    ),
  ),
  // Authorized on the VPC and on the new group; tags in TagSpecifications need ec2:CreateTags
  // with ec2:CreateAction (EC2 user guide, "Grant permission to tag resources during creation").
  'ec2:CreateSecurityGroup': {
    produces: [
      { action: 'ec2:CreateSecurityGroup', resourceType: 'security-group' },
      { action: 'ec2:CreateSecurityGroup', resourceType: 'vpc' },
      { action: 'ec2:CreateTags', resourceType: 'security-group' },
    ],
    authorize: (c) => {
      const group = groupArn(c, String(c.output?.GroupId ?? '*'));
      const vpc = arn(c, 'ec2', `vpc/${c.input.VpcId}`);
      const tags = requestTags(
        Object.fromEntries(
          ((c.input.TagSpecifications as { Tags?: { Key: string; Value: string }[] }[]) ?? [])
            .flatMap((s) => s.Tags ?? [])
            .map((t) => [t.Key, t.Value]),
        ),
      );
      return [
        { action: 'ec2:CreateSecurityGroup', resourceType: 'vpc', resources: [vpc], context: {} },
        {
          action: 'ec2:CreateSecurityGroup',
          resourceType: 'security-group',
          resources: [group],
          context: tags,
        },
        ...(Object.keys(tags).length > 0
          ? [
              {
                action: 'ec2:CreateTags',
                resourceType: 'security-group',
                resources: [group],
                context: { ...tags, 'ec2:CreateAction': 'CreateSecurityGroup' },
              },
            ]
          : []),
      ];
    },
  },
  'ec2:AuthorizeSecurityGroupIngress': onGroup('ec2:AuthorizeSecurityGroupIngress'),
  'ec2:AuthorizeSecurityGroupEgress': onGroup('ec2:AuthorizeSecurityGroupEgress'),
  'ec2:RevokeSecurityGroupIngress': onGroup('ec2:RevokeSecurityGroupIngress'),
  'ec2:RevokeSecurityGroupEgress': onGroup('ec2:RevokeSecurityGroupEgress'),
};

// ------------------------------------------------------------------------- STS, IAM, probes
const OTHERS: Record<string, MappingRow> = {
  // Cross-account: the caller's identity policy and the role's trust policy must both allow.
  'sts:AssumeRole': {
    produces: [{ action: 'sts:AssumeRole', resourceType: 'role' }],
    authorize: (c) => [
      {
        action: 'sts:AssumeRole',
        resourceType: 'role',
        resources: [String(c.input.RoleArn)],
        context: {},
        resourcePolicy: 'trust',
      },
    ],
  },
  'iam:GetRole': {
    produces: [{ action: 'iam:GetRole', resourceType: 'role' }],
    authorize: (c) => [
      {
        action: 'iam:GetRole',
        resourceType: 'role',
        resources: [`arn:aws:iam::${c.account}:role/${c.input.RoleName}`],
        context: {},
      },
    ],
  },
  'secretsmanager:DescribeSecret': {
    produces: [{ action: 'secretsmanager:DescribeSecret', resourceType: 'Secret' }],
    authorize: (c) => {
      const id = String(c.input.SecretId);
      return [
        {
          action: 'secretsmanager:DescribeSecret',
          resourceType: 'Secret',
          // A name is looked up as the secret's ARN with AWS's random six-character suffix.
          resources: [id.startsWith('arn:') ? id : arn(c, 'secretsmanager', `secret:${id}-AbCdEf`)],
          context: {},
        },
      ];
    },
  },
  'ssm:GetParameters': {
    produces: [{ action: 'ssm:GetParameters', resourceType: 'parameter' }],
    authorize: (c) => [
      {
        action: 'ssm:GetParameters',
        resourceType: 'parameter',
        resources: list(c.input.Names).map((n) =>
          n.startsWith('arn:') ? n : arn(c, 'ssm', `parameter/${n.replace(/^\//, '')}`),
        ),
        context: {},
      },
    ],
  },
  // Made by the Lambda runtime with the execution role (see scenarios/lambda-runtime.ts).
  ...Object.fromEntries(
    ['CreateLogStream', 'PutLogEvents'].map((op) => [
      `logs:${op}`,
      {
        produces: [{ action: `logs:${op}`, resourceType: 'log-stream' }],
        authorize: (c: CallFacts): Authorization[] => [
          {
            action: `logs:${op}`,
            resourceType: 'log-stream',
            resources: [
              arn(
                c,
                'logs',
                `log-group:${c.input.logGroupName}:log-stream:${c.input.logStreamName}`,
              ),
            ],
            context: {},
          },
        ],
      },
    ]),
  ),
  'xray:PutTraceSegments': {
    produces: [{ action: 'xray:PutTraceSegments', resourceType: '*' }],
    authorize: () => [unscoped('xray:PutTraceSegments')],
  },
  'xray:PutTelemetryRecords': {
    produces: [{ action: 'xray:PutTelemetryRecords', resourceType: '*' }],
    authorize: () => [unscoped('xray:PutTelemetryRecords')],
  },
  'logs:DescribeLogGroups': {
    produces: [{ action: 'logs:DescribeLogGroups', resourceType: '*' }],
    authorize: () => [unscoped('logs:DescribeLogGroups')],
  },
  'elasticloadbalancing:DescribeTargetGroups': {
    produces: [{ action: 'elasticloadbalancing:DescribeTargetGroups', resourceType: '*' }],
    authorize: () => [unscoped('elasticloadbalancing:DescribeTargetGroups')],
  },
  // The handback's primary check (and the failover's steady check): no resource types.
  'elasticloadbalancing:DescribeTargetHealth': {
    produces: [{ action: 'elasticloadbalancing:DescribeTargetHealth', resourceType: '*' }],
    authorize: () => [unscoped('elasticloadbalancing:DescribeTargetHealth')],
  },
  'kms:DescribeKey': {
    produces: [{ action: 'kms:DescribeKey', resourceType: 'key' }],
    authorize: (c) => {
      const id = String(c.input.KeyId);
      return [
        {
          action: 'kms:DescribeKey',
          resourceType: 'key',
          resources: [id.startsWith('arn:') ? id : arn(c, 'kms', `key/${id}`)],
          context: {},
          resourcePolicy: 'key',
        },
      ];
    },
  },
  'servicediscovery:GetNamespace': {
    produces: [{ action: 'servicediscovery:GetNamespace', resourceType: 'namespace' }],
    authorize: (c) => [
      {
        action: 'servicediscovery:GetNamespace',
        resourceType: 'namespace',
        resources: [arn(c, 'servicediscovery', `namespace/${c.input.Id}`)],
        context: {},
      },
    ],
  },
  'servicediscovery:GetService': {
    produces: [{ action: 'servicediscovery:GetService', resourceType: 'service' }],
    authorize: (c) => [
      {
        action: 'servicediscovery:GetService',
        resourceType: 'service',
        resources: [arn(c, 'servicediscovery', `service/${c.input.Id}`)],
        context: {},
      },
    ],
  },
  'servicediscovery:ListNamespaces': {
    produces: [{ action: 'servicediscovery:ListNamespaces', resourceType: '*' }],
    authorize: () => [unscoped('servicediscovery:ListNamespaces')],
  },
  'elasticfilesystem:DescribeFileSystems': {
    produces: [{ action: 'elasticfilesystem:DescribeFileSystems', resourceType: 'file-system' }],
    authorize: (c) => [
      {
        action: 'elasticfilesystem:DescribeFileSystems',
        resourceType: 'file-system',
        resources: [arn(c, 'elasticfilesystem', `file-system/${c.input.FileSystemId}`)],
        context: {},
      },
    ],
  },
  'cloudwatch:GetMetricData': {
    produces: [{ action: 'cloudwatch:GetMetricData', resourceType: '*' }],
    authorize: () => [unscoped('cloudwatch:GetMetricData')],
  },
  'cloudwatch:PutMetricData': {
    produces: [{ action: 'cloudwatch:PutMetricData', resourceType: '*' }],
    authorize: (c) => [
      unscoped('cloudwatch:PutMetricData', { 'cloudwatch:namespace': String(c.input.Namespace) }),
    ],
  },
  'states:StartExecution': {
    produces: [{ action: 'states:StartExecution', resourceType: 'statemachine' }],
    authorize: (c) => [
      {
        action: 'states:StartExecution',
        resourceType: 'statemachine',
        resources: [String(c.input.stateMachineArn)],
        context: {},
      },
    ],
  },
  // Child executions (`.sync`) and Distributed Map iterations are watched and stopped by ARN.
  ...Object.fromEntries(
    ['DescribeExecution', 'StopExecution'].map((op) => [
      `states:${op}`,
      {
        produces: [{ action: `states:${op}`, resourceType: 'execution' }],
        authorize: (c: CallFacts): Authorization[] => [
          {
            action: `states:${op}`,
            resourceType: 'execution',
            resources: [String(c.input.executionArn)],
            context: {},
          },
        ],
      },
    ]),
  ),
  // The managed rule Step Functions keeps for `.sync` executions (Step Functions developer guide,
  // "IAM policies for … StartExecution.sync").
  ...Object.fromEntries(
    ['PutTargets', 'PutRule', 'DescribeRule'].map((op) => [
      `events:${op}`,
      {
        produces: [{ action: `events:${op}`, resourceType: 'rule-on-default-event-bus' }],
        authorize: (c: CallFacts): Authorization[] => [
          {
            action: `events:${op}`,
            resourceType: 'rule-on-default-event-bus',
            resources: [arn(c, 'events', `rule/${c.input.Name}`)],
            context: {},
          },
        ],
      },
    ]),
  ),
  'lambda:InvokeFunction': {
    produces: [{ action: 'lambda:InvokeFunction', resourceType: 'function' }],
    authorize: (c) => [
      {
        action: 'lambda:InvokeFunction',
        resourceType: 'function',
        resources: [String(c.input.FunctionName)],
        context: {},
      },
    ],
  },
  // Cross-account PutEvents: the sender's identity policy and the target bus's policy.
  'events:PutEvents': {
    produces: [{ action: 'events:PutEvents', resourceType: 'event-bus' }],
    authorize: (c) => [
      {
        action: 'events:PutEvents',
        resourceType: 'event-bus',
        resources: [
          ...new Set(
            ((c.input.Entries as { EventBusName?: string }[]) ?? []).map((e) =>
              (e.EventBusName ?? 'default').startsWith('arn:')
                ? String(e.EventBusName)
                : arn(c, 'events', `event-bus/${e.EventBusName ?? 'default'}`),
            ),
          ),
        ],
        context: {},
        resourcePolicy: 'bus',
      },
    ],
  },
};

// ------------------------------------------------------------------------------- DynamoDB
const table = (c: CallFacts) => arn(c, 'dynamodb', `table/${nameOf(String(c.input.TableName))}`);
// On a table encrypted with a customer managed key, DynamoDB decrypts the table key with the
// caller's permissions (through DynamoDB: kms:ViaService). DynamoDB developer guide,
// "Encryption at rest: how it works" (customer managed keys).
// `dynamodb:LeadingKeys`: the partition key values a request names (IAM supplies the key for
// item and query requests; DynamoDB developer guide, "Using IAM policy conditions for
// fine-grained access control"). Every table of the app keys its items by `pk`
// (functions/shared/tables.ts); a Query's partition key is the equality in its key condition.
const PARTITION_KEY = 'pk';
const attributeString = (value: unknown): string | undefined => {
  const v = value as { S?: string; N?: string } | undefined;
  return v?.S ?? v?.N;
};
function leadingKeysOf(input: Record<string, unknown>): string[] {
  const item = (input.Key ?? input.Item) as Record<string, unknown> | undefined;
  const direct = item ? attributeString(item[PARTITION_KEY]) : undefined;
  if (direct !== undefined) return [direct];
  const condition =
    typeof input.KeyConditionExpression === 'string' ? input.KeyConditionExpression : '';
  const placeholder = /^\s*\(?\s*[#\w]+\s*=\s*(:\w+)/.exec(condition)?.[1];
  const values = input.ExpressionAttributeValues as Record<string, unknown> | undefined;
  const queried = placeholder && values ? attributeString(values[placeholder]) : undefined;
  return queried === undefined ? [] : [queried];
}
const leadingKeys = (keys: readonly string[]): Record<string, string[]> =>
  keys.length === 0 ? {} : { 'dynamodb:LeadingKeys': [...new Set(keys)] };

const onTable = (action: string): MappingRow => ({
  produces: [
    { action, resourceType: 'table' },
    // Only queries and scans can name an index.
    ...(/Query|Scan/.test(action) ? [{ action, resourceType: 'index' }] : []),
    { action: 'kms:Decrypt', resourceType: 'key' },
  ],
  authorize: (c): Authorization[] => {
    const key = c.facts(table(c)).kmsKey;
    return [
      c.input.IndexName
        ? ({
            action,
            resourceType: 'index',
            resources: [`${table(c)}/index/${c.input.IndexName}`],
            context: leadingKeys(leadingKeysOf(c.input)),
          } satisfies Authorization)
        : ({
            action,
            resourceType: 'table',
            resources: [table(c)],
            context: leadingKeys(leadingKeysOf(c.input)),
          } satisfies Authorization),
      ...(key
        ? [
            {
              action: 'kms:Decrypt',
              resourceType: 'key',
              resources: [key],
              context: { 'kms:ViaService': `dynamodb.${c.region}.amazonaws.com` },
              resourcePolicy: 'key' as const,
            },
          ]
        : []),
    ];
  },
});
const DYNAMODB: Record<string, MappingRow> = Object.fromEntries(
  ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan'].map((op) => [
    `dynamodb:${op}`,
    onTable(`dynamodb:${op}`),
  ]),
);

// ----------------------------------------------------------------------- failover's services
/** KMS use a service makes with the caller's permissions on a CMK-encrypted resource. */
const viaService = (
  c: CallFacts,
  key: string | undefined,
  service: string,
  actions: readonly string[],
): Authorization[] =>
  key
    ? actions.map((action) => ({
        action,
        resourceType: 'key',
        resources: [key],
        context: { 'kms:ViaService': `${service}.${c.region}.amazonaws.com` },
        resourcePolicy: 'key' as const,
      }))
    : [];

const FAILOVER: Record<string, MappingRow> = {
  'states:ListExecutions': {
    produces: [{ action: 'states:ListExecutions', resourceType: 'statemachine' }],
    authorize: (c) => [
      {
        action: 'states:ListExecutions',
        resourceType: 'statemachine',
        resources: [String(c.input.stateMachineArn)],
        context: {},
      },
    ],
  },
  // By name: one alarm ARN each (the quorum's, in the health region).
  'cloudwatch:DescribeAlarms': {
    produces: [{ action: 'cloudwatch:DescribeAlarms', resourceType: 'alarm' }],
    authorize: (c) => [
      {
        action: 'cloudwatch:DescribeAlarms',
        resourceType: 'alarm',
        resources: list(c.input.AlarmNames).map((name) => arn(c, 'cloudwatch', `alarm:${name}`)),
        context: {},
      },
    ],
  },
  'servicequotas:GetServiceQuota': {
    produces: [{ action: 'servicequotas:GetServiceQuota', resourceType: 'quota' }],
    authorize: (c) => [
      {
        action: 'servicequotas:GetServiceQuota',
        resourceType: 'quota',
        resources: [
          arn(c, 'servicequotas', `${String(c.input.ServiceCode)}/${String(c.input.QuotaCode)}`),
        ],
        context: { 'servicequotas:service': String(c.input.ServiceCode) },
      },
    ],
  },
  // A KMS-encrypted topic: SNS generates and decrypts the data key with the publisher's
  // permissions (SNS developer guide, "Encryption at rest": publisher permissions).
  'sns:Publish': {
    produces: [
      { action: 'sns:Publish', resourceType: 'topic' },
      { action: 'kms:GenerateDataKey', resourceType: 'key' },
      { action: 'kms:Decrypt', resourceType: 'key' },
    ],
    authorize: (c) => {
      const topic = String(c.input.TopicArn);
      return [
        { action: 'sns:Publish', resourceType: 'topic', resources: [topic], context: {} },
        ...viaService(c, c.facts(topic).kmsKey, 'sns', ['kms:GenerateDataKey', 'kms:Decrypt']),
      ];
    },
  },
  // Tags on an existing service (the failover's epoch tag): no ecs:CreateAction.
  'ecs:TagResource': {
    produces: [{ action: 'ecs:TagResource', resourceType: 'service' }],
    authorize: (c) => {
      const resource = String(c.input.resourceArn);
      return [
        {
          action: 'ecs:TagResource',
          resourceType: 'service',
          resources: [resource],
          context: {
            ...requestTags(keyValueTags(c.input.tags)),
            ...resourceTags(c.facts(resource)),
          },
        },
      ];
    },
  },
  // One authorization per table named in RequestItems.
  'dynamodb:BatchWriteItem': {
    produces: [
      { action: 'dynamodb:BatchWriteItem', resourceType: 'table' },
      { action: 'kms:Decrypt', resourceType: 'key' },
    ],
    authorize: (c) =>
      Object.keys(c.input.RequestItems ?? {}).flatMap((name) => {
        const tableArn = arn(c, 'dynamodb', `table/${nameOf(name)}`);
        return [
          {
            action: 'dynamodb:BatchWriteItem',
            resourceType: 'table',
            resources: [tableArn],
            context: leadingKeys(
              (
                (c.input.RequestItems[name] ?? []) as {
                  PutRequest?: { Item?: unknown };
                  DeleteRequest?: { Key?: unknown };
                }[]
              ).flatMap((w) =>
                leadingKeysOf({ Item: w.PutRequest?.Item, Key: w.DeleteRequest?.Key }),
              ),
            ),
          },
          ...viaService(c, c.facts(tableArn).kmsKey, 'dynamodb', ['kms:Decrypt']),
        ];
      }),
  },
  // SSE-KMS: S3 generates the object's data key with the writer's permissions.
  's3:PutObject': {
    produces: [
      { action: 's3:PutObject', resourceType: 'object' },
      { action: 'kms:GenerateDataKey', resourceType: 'key' },
    ],
    authorize: (c) => {
      const bucket = `arn:aws:s3:::${String(c.input.Bucket)}`;
      const key = typeof c.input.SSEKMSKeyId === 'string' ? c.input.SSEKMSKeyId : undefined;
      return [
        {
          action: 's3:PutObject',
          resourceType: 'object',
          resources: [`${bucket}/${String(c.input.Key)}`],
          context: {},
        },
        ...viaService(c, key ?? c.facts(bucket).kmsKey, 's3', ['kms:GenerateDataKey']),
      ];
    },
  },
  // ARC's data plane: the routing control's ARN has no region (a global resource).
  'route53-recovery-cluster:UpdateRoutingControlState': {
    produces: [
      {
        action: 'route53-recovery-cluster:UpdateRoutingControlState',
        resourceType: 'routingcontrol',
      },
    ],
    authorize: (c) => [
      {
        action: 'route53-recovery-cluster:UpdateRoutingControlState',
        resourceType: 'routingcontrol',
        resources: [String(c.input.RoutingControlArn)],
        context: {},
      },
    ],
  },
};

/** The table: `<iam prefix>:<Operation>` → row. */
export const SDK_TO_IAM: Readonly<Record<string, MappingRow>> = {
  ...FAILOVER,
  ...ECS,
  ...AUTO_SCALING,
  ...ECR,
  ...EC2,
  ...OTHERS,
  ...DYNAMODB,
};

/** SDK v3 client class name → IAM service prefix. */
export const CLIENT_PREFIX: Readonly<Record<string, string>> = {
  ECSClient: 'ecs',
  ApplicationAutoScalingClient: 'application-autoscaling',
  ECRClient: 'ecr',
  EC2Client: 'ec2',
  CloudWatchClient: 'cloudwatch',
  CloudWatchLogsClient: 'logs',
  DynamoDBClient: 'dynamodb',
  EFSClient: 'elasticfilesystem',
  ElasticLoadBalancingV2Client: 'elasticloadbalancing',
  IAMClient: 'iam',
  KMSClient: 'kms',
  SecretsManagerClient: 'secretsmanager',
  ServiceDiscoveryClient: 'servicediscovery',
  SSMClient: 'ssm',
  STSClient: 'sts',
  SFNClient: 'states',
  LambdaClient: 'lambda',
  EventBridgeClient: 'events',
  S3Client: 's3',
  SNSClient: 'sns',
  ServiceQuotasClient: 'servicequotas',
  Route53RecoveryClusterClient: 'route53-recovery-cluster',
};

/** Thrown for a recorded call with no row: add the row before the call can be evaluated. */
export class UnmappedOperationError extends Error {
  public constructor(operation: string, callSite: string) {
    super(`no row in test/iam/sdk-to-iam.ts for ${operation} (called at ${callSite})`);
    this.name = 'UnmappedOperationError';
  }
}
