/**
 * How a primary service's account- and region-specific references become staging ones. This is
 * the core type; the CDK config helper maps its (zod-validated) `cdk.json` context into it.
 *
 * Every table is keyed by the value exactly as the source uses it (ARN, name or id) and gives
 * the staging value. A reference that is valid in staging unchanged (a global resource, another
 * account's shared resource, a name that exists in both) needs no entry; a reference that points
 * at the primary's account or region and has no entry is a {@link CloneValidationError}, because a
 * staged service pointing at the primary would fail exactly when it is needed.
 */
import type { Location } from '../model';

/** Fields where an unmapped primary ARN may be rewritten by swapping its region and account. */
export type ArnRewriteField = 'roles' | 'secrets' | 'environment' | 'logOptions';

/** Source → staging value. */
export type MappingTable = Readonly<Record<string, string>>;

/** Everything the clone rules need to translate a primary service into staging terms. */
export interface CloneMappings {
  /** Where the primary service lives. */
  readonly source: Location;
  /** The staging account and region the clone is registered in. */
  readonly staging: Location;
  /** Staging registry host (`<account>.dkr.ecr.<region>.amazonaws.com`); staged images live here. */
  readonly registry: string;
  /** Staging ECS cluster name every staged service is placed in. */
  readonly cluster: string;
  /** Staging VPC the security-group copies are created in. */
  readonly vpcId: string;
  /** IAM role ARNs (execution and task roles). */
  readonly roles?: MappingTable;
  /**
   * Secrets Manager secret ARNs and SSM parameter ARNs or names. A Secrets Manager entry keyed by
   * the secret's ARN also maps references that add a JSON key/stage suffix (`…:password::`).
   */
  readonly secrets?: MappingTable;
  /** CloudWatch Logs group names (awslogs `awslogs-group`). */
  readonly logGroups?: MappingTable;
  /** Elastic Load Balancing target group ARNs; staging target groups are pre-created. */
  readonly targetGroups?: MappingTable;
  /** Service Connect / Cloud Map namespace names or ARNs. */
  readonly namespaces?: MappingTable;
  /** Cloud Map service ARNs of `serviceRegistries`. */
  readonly serviceRegistries?: MappingTable;
  /** Source subnet id → staging subnet id (keep the AZ spread by mapping AZ for AZ). */
  readonly subnets?: MappingTable;
  /**
   * When set, every staged service uses exactly these staging subnets and `subnets` is ignored:
   * the simple choice when staging has one set of private subnets for everything.
   */
  readonly stagingSubnets?: readonly string[];
  /**
   * Security groups outside the copied set (e.g. a load balancer's group referenced by a rule):
   * source group id → staging group id. Groups of the service itself are copied, not mapped.
   */
  readonly securityGroups?: MappingTable;
  /** Managed prefix list ids (`pl-…` ids are regional). */
  readonly prefixLists?: MappingTable;
  /** Capacity provider names; FARGATE and FARGATE_SPOT exist everywhere and need no entry. */
  readonly capacityProviders?: MappingTable;
  /** EFS file system ids and access point ids used by task volumes. */
  readonly fileSystems?: MappingTable;
  /** Any other ARN embedded in environment values or log options (queues, topics, tables…). */
  readonly arns?: MappingTable;
  /** Environment variable name → staging value, overriding whatever the source set. */
  readonly environment?: MappingTable;
  /** Where an unmapped primary ARN may be rewritten generically (region and account swapped). */
  readonly rewriteRegionAndAccount?: readonly ArnRewriteField[];
  /** Prefix of staging security-group names. @default 'understudy-' */
  readonly groupNamePrefix?: string;
}

/** Default prefix of staging security-group names. */
export const DEFAULT_GROUP_NAME_PREFIX = 'understudy-';
