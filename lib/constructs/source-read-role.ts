import { Lazy, PhysicalName, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * Read-only actions the shadow calls on the primary (checked call by call by the IAM replay
 * tier, `test/iam/`), grouped by what IAM can scope them to. Nothing else: an action no code
 * calls is not granted.
 */
export const SOURCE_READ_ACTIONS = {
  /** ECS service reads (describe step, integrity check, handback primary check): the primary's services. */
  ecsServices: ['ecs:DescribeServices'],
  /** ECR reads (resolve a tag, pull a manifest and its layers by digest): the primary's repositories. */
  ecr: ['ecr:BatchGetImage', 'ecr:DescribeImages', 'ecr:GetDownloadUrlForLayer'],
  /**
   * Actions with no resource types (IAM evaluates them against `*`): limited to the primary
   * region by condition. `ecs:DescribeTaskDefinition` is one of them: scoped to an ARN it would
   * be denied.
   */
  unscoped: [
    'ecs:DescribeTaskDefinition',
    // The health probe's authenticated read.
    'ecs:ListClusters',
    'ec2:DescribeSecurityGroups',
    // A service's scaling bounds and target-tracking target (cloned with its definition).
    'application-autoscaling:DescribeScalableTargets',
    'application-autoscaling:DescribeScalingPolicies',
    // The adapt loop's primary history (the first run of a failover).
    'cloudwatch:GetMetricData',
    // The handback's primary check: the primary's target groups healthy again (replace mode).
    'elasticloadbalancing:DescribeTargetHealth',
  ],
} as const;

/**
 * What the describe step and the integrity check call to learn the digest a running deployment
 * pinned (`EcsContainerPlatform.describePinnedImages`), kept in statements of their own.
 */
export const PINNED_DIGEST_READ_ACTIONS = {
  /** Scoped to the protected clusters' services, service revisions and tasks. */
  scoped: ['ecs:ListServiceDeployments', 'ecs:DescribeServiceRevisions', 'ecs:DescribeTasks'],
  /**
   * ListTasks names no service or task ARN in its request (IAM's resource type for it is a
   * container instance, which a Fargate service has none of): `*`, limited to the protected
   * clusters by `ecs:cluster`, the way the ECS documentation scopes it.
   */
  byClusterCondition: ['ecs:ListTasks'],
} as const;

/** Props of {@link SourceReadRole}. */
export interface SourceReadRoleProps {
  /** Region whose resources the role may read (the primary's). */
  readonly sourceRegion: string;
  /** Account whose roles may assume this role (the staging account). */
  readonly trustedAccount: string;
  /**
   * Roles allowed to assume it; more can be added with {@link SourceReadRole.trust}.
   * @default - any role of `trustedAccount` until {@link SourceReadRole.trust} names one
   */
  readonly trustedRoleArns?: readonly string[];
  /**
   * AWS Organizations id the caller must belong to (`aws:PrincipalOrgID`).
   * @default - no organization condition
   */
  readonly organizationId?: string;
  /**
   * Clusters of the protected services: the pinned-digest reads are limited to them.
   * @default - every cluster of the account and region (a service selector names none)
   */
  readonly clusters?: readonly string[];
}

/**
 * The read-only role the shadow assumes in the primary account to describe what it clones:
 * exactly the ECS, ECR, EC2, Application Auto Scaling, CloudWatch and ELB reads of {@link SOURCE_READ_ACTIONS}. The
 * trust policy names the staging account with an `aws:PrincipalArn` condition listing the
 * shadow's roles; no ExternalId, because the callers are our own roles, not a third party
 * (ExternalId guards against the confused deputy, which cannot arise here).
 *
 * Its name is generated at synth time (`PhysicalName.GENERATE_IF_NEEDED`) so stacks in the
 * staging account can reference its ARN without lookups or cross-account exports.
 */
export class SourceReadRole extends Construct {
  /** The role. */
  public readonly role: iam.Role;
  private readonly trusted: string[];

  public constructor(scope: Construct, id: string, props: SourceReadRoleProps) {
    super(scope, id);
    this.trusted = [...(props.trustedRoleArns ?? [])];
    const trustedAccount = props.trustedAccount;
    const conditions: Record<string, Record<string, unknown>> = {
      // Lazy: roles wired later (SourceReadRole.trust) still land in the one trust statement.
      ArnLike: {
        'aws:PrincipalArn': Lazy.list({
          produce: () =>
            this.trusted.length > 0
              ? this.trusted
              : [`arn:${Stack.of(this).partition}:iam::${trustedAccount}:role/*`],
        }),
      },
    };
    if (props.organizationId) {
      conditions.StringEquals = { 'aws:PrincipalOrgID': props.organizationId };
    }
    this.role = new iam.Role(this, 'Role', {
      roleName: PhysicalName.GENERATE_IF_NEEDED,
      assumedBy: new iam.AccountPrincipal(trustedAccount).withConditions(conditions),
      description: 'Read-only view of the primary for the Understudy shadow (describe and clone).',
    });

    const region = props.sourceRegion;
    const { account, partition } = Stack.of(this);
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'EcsServiceRead',
        actions: [...SOURCE_READ_ACTIONS.ecsServices],
        resources: [`arn:${partition}:ecs:${region}:${account}:service/*`],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'EcrRead',
        actions: [...SOURCE_READ_ACTIONS.ecr],
        resources: [`arn:${partition}:ecr:${region}:${account}:repository/*`],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'UnscopedRead',
        actions: [...SOURCE_READ_ACTIONS.unscoped],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:RequestedRegion': region } },
      }),
    );

    // Pinned digests: the ECS service revision (or the running tasks) of the current deployment.
    const clusters = props.clusters?.length ? [...new Set(props.clusters)] : ['*'];
    const ecsArn = (resource: string) => `arn:${partition}:ecs:${region}:${account}:${resource}`;
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PinnedDigestReads',
        actions: [...PINNED_DIGEST_READ_ACTIONS.scoped],
        // DescribeServiceRevisions is evaluated against the service and the revision.
        resources: clusters.flatMap((cluster) => [
          ecsArn(`service/${cluster}/*`),
          ecsArn(`service-revision/${cluster}/*`),
          ecsArn(`task/${cluster}/*`),
        ]),
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PinnedDigestListTasks',
        actions: [...PINNED_DIGEST_READ_ACTIONS.byClusterCondition],
        resources: ['*'],
        conditions: {
          ArnLike: { 'ecs:cluster': clusters.map((cluster) => ecsArn(`cluster/${cluster}`)) },
          StringEquals: { 'aws:RequestedRegion': region },
        },
      }),
    );

    // cdk-nag names a finding by the resource as written, with tokens shown as <AWS::Name>.
    const nagText = (value: string, pseudo: string) =>
      Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value;
    const arnPrefix = (service: string) =>
      `arn:${nagText(partition, 'Partition')}:${service}:${region}:${nagText(account, 'AccountId')}`;
    const reason = (what: string) =>
      `Read-only ${what}; the shadow clones services it discovers, so their names are not known at synth time. Scoped to the primary account and region.`;
    Validations.of(this.role).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::${arnPrefix('ecs')}:service/*]`,
        reason: reason('ECS service describe'),
      },
      {
        id: `AwsSolutions-IAM5[Resource::${arnPrefix('ecr')}:repository/*]`,
        reason: reason('ECR image pulls by digest'),
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ecs:DescribeTaskDefinition, ecs:ListClusters, ec2:DescribeSecurityGroups, application-autoscaling:DescribeScalableTargets/DescribeScalingPolicies, cloudwatch:GetMetricData and elasticloadbalancing:DescribeTargetHealth support no resource-level permissions; limited to the primary region by aws:RequestedRegion. ecs:ListTasks names no service or task in its request: limited to the protected clusters by ecs:cluster.',
      },
      ...clusters.flatMap((cluster) =>
        ['service', 'service-revision', 'task'].map((kind) => ({
          id: `AwsSolutions-IAM5[Resource::${arnPrefix('ecs')}:${kind}/${cluster}/*]`,
          reason:
            'Read-only: the digest the running deployment pinned (service revisions, running tasks) of the services in the protected clusters; revision and task ids are made by ECS at deploy time.',
        })),
      ),
    );
  }

  /** Lets `role` (a shadow role in the staging account) assume this role. */
  public trust(role: iam.IRole): void {
    this.trusted.push(role.roleArn);
  }

  /** ARNs trusted so far (tokens until synth for roles in other stacks). */
  public get trustedRoleArns(): readonly string[] {
    return [...this.trusted];
  }
}
