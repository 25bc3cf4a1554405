/**
 * IAM statements of the shadow manager's functions, one builder per pipeline step, each exactly
 * what that step's adapters call (see `functions/core/prebake/clone-steps.ts` and the adapters in
 * `functions/adapters/aws/`). Resource-scoped wherever the service allows it; where it does not,
 * limited by condition keys and acknowledged (with the reason) by the construct.
 */
import * as iam from 'aws-cdk-lib/aws-iam';

/** Tag every staged repository carries (`clone-steps.ts` `copyImages`); writes require it. */
export const MANAGED_TAG = { key: 'understudy:managed', value: 'true' } as const;

/** Tag every registered staging task definition carries (`TASK_DEFINITION_TAG_KEYS.contentHash`). */
export const CONTENT_HASH_TAG = 'understudy:content-hash';

/** Where the statements apply: the staging account and region. */
export interface StagingScope {
  readonly partition: string;
  readonly account: string;
  readonly region: string;
}

/**
 * Every action the dependency probe (`functions/adapters/aws/dependency-probe.ts`) calls, by
 * whether the service lets it be scoped to a resource.
 */
export const DEPENDENCY_PROBE_ACTIONS = {
  scoped: [
    'ecs:DescribeClusters',
    'ecs:DescribeCapacityProviders',
    'iam:GetRole',
    'secretsmanager:DescribeSecret',
    'ssm:GetParameters',
    'kms:DescribeKey',
    'servicediscovery:GetNamespace',
    'servicediscovery:GetService',
    'elasticfilesystem:DescribeFileSystems',
  ],
  unscoped: [
    'ec2:DescribeSecurityGroups',
    'ec2:DescribeSubnets',
    'elasticloadbalancing:DescribeTargetGroups',
    // No resource types: a log-group ARN in Resource would never match (IAM evaluates `*`).
    'logs:DescribeLogGroups',
    'servicediscovery:ListNamespaces',
  ],
} as const;

/** Staging ECR writes the copy step makes (`EcrImageRegistry`: ensureRepository, writeBlob, putManifest). */
export const STAGED_IMAGE_WRITE_ACTIONS = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:InitiateLayerUpload',
  'ecr:UploadLayerPart',
  'ecr:CompleteLayerUpload',
  'ecr:PutImage',
  'ecr:PutLifecyclePolicy',
] as const;

const arn = (scope: StagingScope, service: string, resource: string, region = scope.region) =>
  `arn:${scope.partition}:${service}:${region}:${scope.account}:${resource}`;

/** ARN of every ECR repository of the staging account and region. */
export function repositoriesArn(scope: StagingScope): string {
  return arn(scope, 'ecr', 'repository/*');
}

/** `aws:RequestedRegion` = staging region: the condition on actions with no resource scope. */
function inRegion(scope: StagingScope): Record<string, Record<string, string>> {
  return { StringEquals: { 'aws:RequestedRegion': scope.region } };
}

/** The dependency probe's reads, scoped to the staging account and region. */
export function dependencyProbeStatements(scope: StagingScope): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'ProbeScopedReads',
      actions: [...DEPENDENCY_PROBE_ACTIONS.scoped],
      resources: [
        arn(scope, 'ecs', 'cluster/*'),
        arn(scope, 'ecs', 'capacity-provider/*'),
        arn(scope, 'iam', 'role/*', ''),
        arn(scope, 'secretsmanager', 'secret:*'),
        arn(scope, 'ssm', 'parameter/*'),
        arn(scope, 'kms', 'key/*'),
        arn(scope, 'servicediscovery', 'namespace/*'),
        arn(scope, 'servicediscovery', 'service/*'),
        arn(scope, 'elasticfilesystem', 'file-system/*'),
      ],
    }),
    new iam.PolicyStatement({
      sid: 'ProbeUnscopedReads',
      actions: [...DEPENDENCY_PROBE_ACTIONS.unscoped],
      resources: ['*'],
      conditions: inRegion(scope),
    }),
  ];
}

/**
 * Copy step, staging side: create managed repositories (tagged on create, immutable tags, KMS)
 * and push blobs and manifests into repositories that carry the managed tag. Repository names
 * mirror the primary's (the staged task definition points at the same name), so no name prefix
 * can scope them; the managed tag does instead.
 */
export function stagedImageStatements(
  scope: StagingScope,
  imagesKeyArn: string,
): iam.PolicyStatement[] {
  const repositories = repositoriesArn(scope);
  return [
    new iam.PolicyStatement({
      sid: 'CreateManagedRepositories',
      actions: ['ecr:CreateRepository', 'ecr:TagResource'],
      resources: [repositories],
      conditions: { StringEquals: { [`aws:RequestTag/${MANAGED_TAG.key}`]: MANAGED_TAG.value } },
    }),
    // isStaged() asks for the manifest by digest before any write: a read of any staging
    // repository (it may not exist yet, so no managed-tag condition can apply).
    new iam.PolicyStatement({
      sid: 'ReadStagedImages',
      actions: ['ecr:DescribeImages'],
      resources: [repositories],
    }),
    new iam.PolicyStatement({
      sid: 'PushToManagedRepositories',
      actions: [...STAGED_IMAGE_WRITE_ACTIONS],
      resources: [repositories],
      conditions: { StringEquals: { [`aws:ResourceTag/${MANAGED_TAG.key}`]: MANAGED_TAG.value } },
    }),
    // ECR checks the key and creates its own grants on it when a repository is created with a
    // customer-managed key; pushes and pulls then go through those grants.
    new iam.PolicyStatement({
      sid: 'StagedImagesKeyForEcr',
      actions: ['kms:CreateGrant', 'kms:RetireGrant', 'kms:DescribeKey'],
      resources: [imagesKeyArn],
      conditions: { StringEquals: { 'kms:ViaService': `ecr.${scope.region}.amazonaws.com` } },
    }),
  ];
}

/**
 * Stage step: register the rewritten task definition (tagged on create), reuse an identical
 * revision, and pass only the mapped staging roles to ECS tasks.
 */
export function stageTaskDefinitionStatements(
  scope: StagingScope,
  stagingRoleArns: readonly string[],
): iam.PolicyStatement[] {
  const statements = [
    new iam.PolicyStatement({
      sid: 'RegisterTaggedTaskDefinitions',
      // RegisterTaskDefinition supports no resource-level permissions; the condition limits it to
      // requests that carry the clone's content-hash tag, i.e. to staged clones.
      actions: ['ecs:RegisterTaskDefinition'],
      resources: ['*'],
      conditions: {
        ...inRegion(scope),
        Null: { [`aws:RequestTag/${CONTENT_HASH_TAG}`]: 'false' },
      },
    }),
    new iam.PolicyStatement({
      sid: 'TagOnRegister',
      actions: ['ecs:TagResource'],
      resources: [arn(scope, 'ecs', 'task-definition/*')],
      conditions: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
    }),
    new iam.PolicyStatement({
      sid: 'ReadTaskDefinitions',
      actions: ['ecs:DescribeTaskDefinition', 'ecs:ListTaskDefinitions'],
      resources: ['*'],
      conditions: inRegion(scope),
    }),
  ];
  if (stagingRoleArns.length > 0) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'PassMappedRolesToTasks',
        actions: ['iam:PassRole'],
        resources: [...new Set(stagingRoleArns)].sort(),
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }),
    );
  }
  return statements;
}

/** Network step: security groups created, tagged and edited only in the staging VPC. */
export function syncNetworkStatements(scope: StagingScope, vpcId: string): iam.PolicyStatement[] {
  const vpcArn = arn(scope, 'ec2', `vpc/${vpcId}`);
  const groups = arn(scope, 'ec2', 'security-group/*');
  return [
    new iam.PolicyStatement({
      sid: 'FindGroups',
      actions: ['ec2:DescribeSecurityGroups'],
      resources: ['*'],
      conditions: inRegion(scope),
    }),
    // CreateSecurityGroup is authorised on the VPC and on the new group: naming only the staging
    // VPC keeps creation there.
    new iam.PolicyStatement({
      sid: 'CreateGroupsInStagingVpc',
      actions: ['ec2:CreateSecurityGroup'],
      resources: [vpcArn, groups],
    }),
    new iam.PolicyStatement({
      sid: 'TagGroupsOnCreate',
      actions: ['ec2:CreateTags'],
      resources: [groups],
      conditions: { StringEquals: { 'ec2:CreateAction': 'CreateSecurityGroup' } },
    }),
    new iam.PolicyStatement({
      sid: 'EditRulesInStagingVpc',
      actions: [
        'ec2:AuthorizeSecurityGroupIngress',
        'ec2:AuthorizeSecurityGroupEgress',
        'ec2:RevokeSecurityGroupIngress',
        'ec2:RevokeSecurityGroupEgress',
      ],
      resources: [groups],
      conditions: { ArnEquals: { 'ec2:Vpc': vpcArn } },
    }),
  ];
}

/**
 * Store step (and integrity check): read back what staging holds. The integrity check also
 * lists a family's revisions (`listRevisions`), to see whether the staged one is still the newest.
 */
export function stagingReadStatements(
  scope: StagingScope,
  options: { readonly listRevisions?: boolean } = {},
): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'ReadStagedImages',
      actions: ['ecr:DescribeImages'],
      resources: [repositoriesArn(scope)],
    }),
    new iam.PolicyStatement({
      sid: 'ReadStagedState',
      actions: [
        'ecs:DescribeTaskDefinition',
        ...(options.listRevisions ? ['ecs:ListTaskDefinitions'] : []),
        'ec2:DescribeSecurityGroups',
      ],
      resources: ['*'],
      conditions: inRegion(scope),
    }),
  ];
}

/** Assume the primary's read-only role (the only thing the shadow may do in the primary). */
export function assumePrimaryReadStatement(readRoleArn: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'AssumePrimaryReadRole',
    actions: ['sts:AssumeRole'],
    resources: [readRoleArn],
  });
}

/**
 * Retention: delete staged images of managed repositories and deregister staged revisions that
 * no remaining clone version uses.
 */
export function retentionStatements(scope: StagingScope): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'DeleteUnreferencedStagedImages',
      actions: ['ecr:BatchDeleteImage'],
      resources: [repositoriesArn(scope)],
      conditions: { StringEquals: { [`aws:ResourceTag/${MANAGED_TAG.key}`]: MANAGED_TAG.value } },
    }),
    new iam.PolicyStatement({
      sid: 'DeregisterUnreferencedRevisions',
      // DeregisterTaskDefinition supports no resource-level permissions; limited to the region.
      actions: ['ecs:DeregisterTaskDefinition'],
      resources: ['*'],
      conditions: inRegion(scope),
    }),
  ];
}

/**
 * Stage-service step: create or update the staging services (zero tasks, or warm) in the
 * staging cluster, tagged on create. ECS uses its service-linked role for load balancers, so no
 * `iam:PassRole` is needed.
 */
export function stageServiceStatements(
  scope: StagingScope,
  cluster: string,
): iam.PolicyStatement[] {
  const services = arn(scope, 'ecs', `service/${cluster}/*`);
  return [
    new iam.PolicyStatement({
      sid: 'StagingServices',
      actions: ['ecs:CreateService', 'ecs:UpdateService', 'ecs:DescribeServices'],
      resources: [services],
    }),
    new iam.PolicyStatement({
      sid: 'TagServicesOnCreate',
      actions: ['ecs:TagResource'],
      resources: [services],
      conditions: { StringEquals: { 'ecs:CreateAction': 'CreateService' } },
    }),
    // The cloned auto-scaling bounds and target-tracking policy (EcsContainerPlatform.
    // applyScaling). Scalable-target ARNs carry a generated id, not the service name, so the
    // statement is held to ECS service desired counts by condition keys instead.
    new iam.PolicyStatement({
      sid: 'StagingScalableTargets',
      actions: [
        'application-autoscaling:RegisterScalableTarget',
        'application-autoscaling:PutScalingPolicy',
      ],
      resources: [arn(scope, 'application-autoscaling', 'scalable-target/*')],
      conditions: {
        StringEquals: {
          'application-autoscaling:service-namespace': 'ecs',
          'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount',
        },
      },
    }),
    // PutScalingPolicy (target tracking) creates and replaces its CloudWatch alarms with the
    // caller's permissions; Application Auto Scaling names them TargetTracking-service/<cluster>/….
    new iam.PolicyStatement({
      sid: 'TargetTrackingAlarms',
      actions: [
        'cloudwatch:PutMetricAlarm',
        'cloudwatch:DescribeAlarms',
        'cloudwatch:DeleteAlarms',
      ],
      resources: [arn(scope, 'cloudwatch', `alarm:TargetTracking-service/${cluster}/*`)],
    }),
    // The first RegisterScalableTarget for ECS in an account creates Application Auto Scaling's
    // service-linked role; only that role, only for that service.
    new iam.PolicyStatement({
      sid: 'AutoScalingServiceLinkedRole',
      actions: ['iam:CreateServiceLinkedRole'],
      resources: [
        `arn:${scope.partition}:iam::${scope.account}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService`,
      ],
      conditions: {
        StringEquals: { 'iam:AWSServiceName': 'ecs.application-autoscaling.amazonaws.com' },
      },
    }),
    // Describing an existing staging service reads its scaling bounds and policy; these
    // actions support no resource-level permissions.
    new iam.PolicyStatement({
      sid: 'ReadStagingServiceScaling',
      actions: [
        'application-autoscaling:DescribeScalableTargets',
        'application-autoscaling:DescribeScalingPolicies',
      ],
      resources: ['*'],
      conditions: inRegion(scope),
    }),
  ];
}
