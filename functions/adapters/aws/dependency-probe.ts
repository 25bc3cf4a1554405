/**
 * AWS SDK v3 implementation of the {@link DependencyProbe} port: asks each service in staging
 * whether the resources a clone refers to (but does not copy) exist. "Absent" is only ever an
 * answer AWS gave (not found, listed as missing, deleted or pending deletion); throttling,
 * outages and access denied are translated and rethrown, so a failing API never passes for a
 * missing dependency (which would block a clone for the wrong reason) or a present one.
 */
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { DescribeCapacityProvidersCommand, DescribeClustersCommand } from '@aws-sdk/client-ecs';
import type { EFSClient } from '@aws-sdk/client-efs';
import { DescribeFileSystemsCommand } from '@aws-sdk/client-efs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeTargetGroupsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { IAMClient } from '@aws-sdk/client-iam';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import type { KMSClient } from '@aws-sdk/client-kms';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import type { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import {
  GetNamespaceCommand,
  GetServiceCommand,
  ListNamespacesCommand,
} from '@aws-sdk/client-servicediscovery';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { GetParametersCommand } from '@aws-sdk/client-ssm';
import pLimit from 'p-limit';
import { parseArn } from '../../core/clone/arn';
import type { DependencyKind } from '../../core/clone/dependencies';
import { NotFoundError } from '../../core/errors';
import type { DependencyProbe, DependencyRef } from '../../core/ports';
import {
  type AwsCallContext,
  AwsRequestError,
  awsErrorCode,
  callAws,
  translateSdkError,
} from './sdk-errors';

/** The SDK clients the probe asks, all for the staging account + region. */
export interface DependencyProbeClients {
  readonly ecs: ECSClient;
  readonly ec2: EC2Client;
  readonly secretsManager: SecretsManagerClient;
  readonly ssm: SSMClient;
  readonly iam: IAMClient;
  readonly logs: CloudWatchLogsClient;
  readonly elbv2: ElasticLoadBalancingV2Client;
  readonly kms: KMSClient;
  readonly serviceDiscovery: ServiceDiscoveryClient;
  readonly efs: EFSClient;
}

/** Options of {@link AwsDependencyProbe}. */
export interface AwsDependencyProbeOptions {
  /**
   * SDK calls in flight at once, across all kinds. Small on purpose: the probe runs beside the
   * rest of the clone pipeline and shares the account's control-plane rate limits with it.
   * @default 3
   */
  readonly concurrency?: number;
}

/** API batch limits (documented maxima per call). */
export const PROBE_BATCH = {
  /** ECS DescribeClusters: up to 100 names or ARNs. */
  clusters: 100,
  /** ECS DescribeCapacityProviders: up to 100 names or ARNs. */
  capacityProviders: 100,
  /** SSM GetParameters: up to 10 names. */
  parameters: 10,
  /** ELBv2 DescribeTargetGroups: up to 20 ARNs. */
  targetGroups: 20,
  /** EC2 filter values per filter: kept at 200, the limit EC2 documents for most filters. */
  ec2FilterValues: 200,
} as const;

/**
 * Error codes that mean "no such resource" in the services this probe asks but the shared
 * mapping does not name (it covers ECS, ECR, EC2 and the generic ResourceNotFoundException).
 * They are not added there: `NotFoundException` (KMS) and `ServiceNotFound` (Cloud Map) are too
 * generic to mean not-found for every service.
 */
const NOT_FOUND_CODES = new Set([
  'NoSuchEntityException',
  'NoSuchEntity',
  'NotFoundException',
  'TargetGroupNotFoundException',
  'TargetGroupNotFound',
  'NamespaceNotFound',
  'ServiceNotFound',
  'FileSystemNotFound',
  'ParameterNotFound',
]);

/** KMS key states in which the key is on its way out and must not count as present. */
const KEY_GONE_STATES = new Set(['PendingDeletion', 'PendingReplicaDeletion']);

/** EFS life cycle states of a file system that is going or gone. */
const FILE_SYSTEM_GONE_STATES = new Set(['deleting', 'deleted']);

type Limit = ReturnType<typeof pLimit>;

/** Finds which of `ids` (one kind, de-duplicated) exist; every SDK call goes through `limit`. */
type Checker = (ids: readonly string[], limit: Limit) => Promise<Iterable<string>>;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    out.push(items.slice(start, start + size));
  }
  return out;
}

/**
 * Runs one SDK call about one resource: `undefined` when AWS says it does not exist, the typed
 * error (ThrottlingError, AccessDeniedError, …) for anything else.
 */
async function lookUp<T>(context: AwsCallContext, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (NOT_FOUND_CODES.has(awsErrorCode(error))) return undefined;
    const translated = translateSdkError(error, context);
    if (translated instanceof NotFoundError) return undefined;
    throw translated;
  }
}

/**
 * ECS reports unknown names in `failures` with reason `MISSING`; any other reason is not an
 * answer about existence, so it is raised rather than read as absence.
 */
function assertOnlyMissing(
  operation: string,
  failures: readonly { readonly arn?: string; readonly reason?: string }[] | undefined,
): void {
  const other = (failures ?? []).find((failure) => failure.reason !== 'MISSING');
  if (other) {
    throw new AwsRequestError(
      operation,
      other.reason ?? 'UnknownFailure',
      `${other.arn ?? 'a resource'} could not be described`,
    );
  }
}

/**
 * IAM role ARNs: `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`. Matched on its own rather than with
 * the strict core ARN grammar, so an unusual account field still yields the name to ask for; the
 * returned role's ARN is then compared with the id in full.
 */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::[^:]*:role\/(.+)$/;

/** IAM role name from a role ARN (`role/path/to/name` → `name`) or a bare name. */
export function roleNameOf(id: string): string | undefined {
  if (!id.startsWith('arn:')) return id.includes('/') ? undefined : id;
  const resource = ROLE_ARN.exec(id)?.[1];
  return resource?.split('/').pop() || undefined;
}

/** Log group name from a name or a log group ARN (`log-group:NAME` or `log-group:NAME:*`). */
function logGroupNameOf(id: string): string | undefined {
  const arn = parseArn(id);
  if (!arn) return id;
  if (arn.service !== 'logs' || !arn.resource.startsWith('log-group:')) return undefined;
  return arn.resource.slice('log-group:'.length).replace(/:\*$/, '');
}

/** Cloud Map service id from a registry ARN (`service/srv-…`) or a bare `srv-` id. */
function serviceRegistryIdOf(id: string): string | undefined {
  const arn = parseArn(id);
  if (!arn) return /^srv-[\w-]+$/.test(id) ? id : undefined;
  if (arn.service !== 'servicediscovery' || !arn.resource.startsWith('service/')) return undefined;
  return arn.resource.slice('service/'.length) || undefined;
}

const NAMESPACE_ID = /^ns-[\w-]+$/;

/**
 * Asks the staging account whether each dependency exists, batching where the API allows and
 * spreading one-by-one calls over a small concurrency limit shared by every kind.
 *
 * A dependency counts as present when it exists and is not being deleted: ECS clusters and
 * capacity providers not INACTIVE, secrets not scheduled for deletion, KMS keys not pending
 * deletion, EFS file systems not deleting. Role ARNs must match exactly (path and account), so a
 * role with the right name on another path does not count. Unknown kinds are absent.
 */
export class AwsDependencyProbe implements DependencyProbe {
  private readonly concurrency: number;
  private readonly checkers: Readonly<Record<DependencyKind, Checker>>;

  public constructor(
    private readonly clients: DependencyProbeClients,
    options: AwsDependencyProbeOptions = {},
  ) {
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? 3));
    this.checkers = {
      cluster: (ids, limit) => this.clusters(ids, limit),
      'capacity-provider': (ids, limit) => this.capacityProviders(ids, limit),
      role: (ids, limit) => this.roles(ids, limit),
      secret: (ids, limit) => this.secrets(ids, limit),
      parameter: (ids, limit) => this.parameters(ids, limit),
      'log-group': (ids, limit) => this.logGroups(ids, limit),
      'target-group': (ids, limit) => this.targetGroups(ids, limit),
      'kms-key': (ids, limit) => this.kmsKeys(ids, limit),
      namespace: (ids, limit) => this.namespaces(ids, limit),
      'service-registry': (ids, limit) => this.serviceRegistries(ids, limit),
      subnet: (ids, limit) => this.subnets(ids, limit),
      'security-group': (ids, limit) => this.securityGroups(ids, limit),
      'file-system': (ids, limit) => this.fileSystems(ids, limit),
    };
  }

  /** `kind:id` keys of the given dependencies that exist; unknown kinds count as absent. */
  public async present(dependencies: readonly DependencyRef[]): Promise<ReadonlySet<string>> {
    const idsByKind = new Map<DependencyKind, Set<string>>();
    for (const { kind, id } of dependencies) {
      if (id === '' || !Object.hasOwn(this.checkers, kind)) continue;
      const known = kind as DependencyKind;
      const ids = idsByKind.get(known) ?? new Set<string>();
      ids.add(id);
      idsByKind.set(known, ids);
    }
    const limit = pLimit(this.concurrency);
    const found = await Promise.all(
      [...idsByKind].map(async ([kind, ids]) => {
        const present = await this.checkers[kind]([...ids], limit);
        return [...present].map((id) => `${kind}:${id}`);
      }),
    );
    return new Set(found.flat());
  }

  private async clusters(ids: readonly string[], limit: Limit): Promise<string[]> {
    const operation = 'ecs:DescribeClusters';
    const pages = await Promise.all(
      chunks(ids, PROBE_BATCH.clusters).map((batch) =>
        limit(() =>
          callAws({ operation, kind: 'cluster' }, () =>
            this.clients.ecs.send(new DescribeClustersCommand({ clusters: batch })),
          ),
        ),
      ),
    );
    const live = new Set<string>();
    for (const page of pages) {
      assertOnlyMissing(operation, page.failures);
      for (const cluster of page.clusters ?? []) {
        // ECS keeps describing a deleted cluster as INACTIVE for a while.
        if (cluster.status === 'INACTIVE') continue;
        if (cluster.clusterArn) live.add(cluster.clusterArn);
        if (cluster.clusterName) live.add(cluster.clusterName);
      }
    }
    return ids.filter((id) => live.has(id));
  }

  private async capacityProviders(ids: readonly string[], limit: Limit): Promise<string[]> {
    const operation = 'ecs:DescribeCapacityProviders';
    const live = new Set<string>();
    await Promise.all(
      chunks(ids, PROBE_BATCH.capacityProviders).map(async (batch) => {
        // The API pages its answer (10 by default) even when asked for named providers.
        let nextToken: string | undefined;
        do {
          const token = nextToken;
          const page = await limit(() =>
            callAws({ operation, kind: 'capacity-provider' }, () =>
              this.clients.ecs.send(
                new DescribeCapacityProvidersCommand({
                  capacityProviders: batch,
                  ...(token ? { nextToken: token } : {}),
                }),
              ),
            ),
          );
          assertOnlyMissing(operation, page.failures);
          for (const provider of page.capacityProviders ?? []) {
            if (provider.status === 'INACTIVE') continue;
            if (provider.capacityProviderArn) live.add(provider.capacityProviderArn);
            if (provider.name) live.add(provider.name);
          }
          nextToken = page.nextToken;
        } while (nextToken);
      }),
    );
    return ids.filter((id) => live.has(id));
  }

  private async roles(ids: readonly string[], limit: Limit): Promise<string[]> {
    const present = await Promise.all(
      ids.map(async (id) => {
        const roleName = roleNameOf(id);
        if (!roleName) return false;
        const output = await limit(() =>
          lookUp({ operation: 'iam:GetRole', kind: 'role', id }, () =>
            this.clients.iam.send(new GetRoleCommand({ RoleName: roleName })),
          ),
        );
        const role = output?.Role;
        if (!role) return false;
        // A role of that name on another path or in another account is a different role.
        return id.startsWith('arn:') ? role.Arn === id : true;
      }),
    );
    return ids.filter((_, index) => present[index]);
  }

  private async secrets(ids: readonly string[], limit: Limit): Promise<string[]> {
    const present = await Promise.all(
      ids.map(async (id) => {
        const secret = await limit(() =>
          lookUp({ operation: 'secretsmanager:DescribeSecret', kind: 'secret', id }, () =>
            this.clients.secretsManager.send(new DescribeSecretCommand({ SecretId: id })),
          ),
        );
        // A secret scheduled for deletion cannot be read by ECS.
        return secret !== undefined && secret.DeletedDate === undefined;
      }),
    );
    return ids.filter((_, index) => present[index]);
  }

  private async parameters(ids: readonly string[], limit: Limit): Promise<string[]> {
    const pages = await Promise.all(
      chunks(ids, PROBE_BATCH.parameters).map((batch) =>
        limit(() =>
          callAws({ operation: 'ssm:GetParameters', kind: 'parameter' }, () =>
            // Without decryption: existence is the question, and it needs no kms:Decrypt.
            this.clients.ssm.send(new GetParametersCommand({ Names: batch })),
          ),
        ),
      ),
    );
    const live = new Set<string>();
    for (const page of pages) {
      for (const parameter of page.Parameters ?? []) {
        if (parameter.Name) live.add(parameter.Name);
        if (parameter.ARN) live.add(parameter.ARN);
        if (parameter.Name && parameter.Selector) live.add(parameter.Name + parameter.Selector);
        if (parameter.ARN && parameter.Selector) live.add(parameter.ARN + parameter.Selector);
      }
    }
    return ids.filter((id) => live.has(id));
  }

  private async logGroups(ids: readonly string[], limit: Limit): Promise<string[]> {
    const present = await Promise.all(
      ids.map(async (id) => {
        const name = logGroupNameOf(id);
        if (!name) return false;
        // A prefix query also lists longer names; page until the exact one shows up.
        let nextToken: string | undefined;
        do {
          const token = nextToken;
          const page = await limit(() =>
            callAws({ operation: 'logs:DescribeLogGroups', kind: 'log-group', id }, () =>
              this.clients.logs.send(
                new DescribeLogGroupsCommand({
                  logGroupNamePrefix: name,
                  ...(token ? { nextToken: token } : {}),
                }),
              ),
            ),
          );
          if (page.logGroups?.some((group) => group.logGroupName === name)) return true;
          nextToken = page.nextToken;
        } while (nextToken);
        return false;
      }),
    );
    return ids.filter((_, index) => present[index]);
  }

  private async targetGroups(ids: readonly string[], limit: Limit): Promise<string[]> {
    // ELBv2 rejects a whole call for one malformed ARN; only target group ARNs are asked.
    const arns = ids.filter((id) => {
      const arn = parseArn(id);
      return arn?.service === 'elasticloadbalancing' && arn.resource.startsWith('targetgroup/');
    });
    const describe = async (batch: readonly string[]) => {
      const output = await limit(() =>
        lookUp(
          { operation: 'elasticloadbalancing:DescribeTargetGroups', kind: 'target-group' },
          () =>
            this.clients.elbv2.send(
              new DescribeTargetGroupsCommand({ TargetGroupArns: [...batch] }),
            ),
        ),
      );
      return output?.TargetGroups?.flatMap((group) => group.TargetGroupArn ?? []);
    };
    const found = await Promise.all(
      chunks(arns, PROBE_BATCH.targetGroups).map(async (batch) => {
        const described = await describe(batch);
        if (described) return described;
        // One missing ARN fails the whole batch: ask one by one to learn which.
        const single = await Promise.all(batch.map((arn) => describe([arn])));
        return single.flatMap((groups) => groups ?? []);
      }),
    );
    const live = new Set(found.flat());
    return arns.filter((arn) => live.has(arn));
  }

  private async kmsKeys(ids: readonly string[], limit: Limit): Promise<string[]> {
    const present = await Promise.all(
      ids.map(async (id) => {
        // DescribeKey takes a key id, key ARN, alias name or alias ARN alike.
        const output = await limit(() =>
          lookUp({ operation: 'kms:DescribeKey', kind: 'kms-key', id }, () =>
            this.clients.kms.send(new DescribeKeyCommand({ KeyId: id })),
          ),
        );
        const metadata = output?.KeyMetadata;
        return metadata !== undefined && !KEY_GONE_STATES.has(metadata.KeyState ?? '');
      }),
    );
    return ids.filter((_, index) => present[index]);
  }

  private async namespaces(ids: readonly string[], limit: Limit): Promise<string[]> {
    const byId = ids.filter((id) => NAMESPACE_ID.test(id));
    const byNameOrArn = ids.filter((id) => !NAMESPACE_ID.test(id));
    const [fromIds, listed] = await Promise.all([
      Promise.all(
        byId.map(async (id) => {
          const output = await limit(() =>
            lookUp({ operation: 'servicediscovery:GetNamespace', kind: 'namespace', id }, () =>
              this.clients.serviceDiscovery.send(new GetNamespaceCommand({ Id: id })),
            ),
          );
          return output?.Namespace ? id : undefined;
        }),
      ),
      byNameOrArn.length > 0 ? this.listNamespaces(limit) : Promise.resolve(new Set<string>()),
    ]);
    return [
      ...fromIds.filter((id): id is string => id !== undefined),
      ...byNameOrArn.filter((id) => listed.has(id)),
    ];
  }

  /** Names and ARNs of every namespace in the account + region (one listing for all names). */
  private async listNamespaces(limit: Limit): Promise<Set<string>> {
    const live = new Set<string>();
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const page = await limit(() =>
        callAws({ operation: 'servicediscovery:ListNamespaces', kind: 'namespace' }, () =>
          this.clients.serviceDiscovery.send(
            new ListNamespacesCommand(token ? { NextToken: token } : {}),
          ),
        ),
      );
      for (const namespace of page.Namespaces ?? []) {
        if (namespace.Name) live.add(namespace.Name);
        if (namespace.Arn) live.add(namespace.Arn);
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return live;
  }

  private async serviceRegistries(ids: readonly string[], limit: Limit): Promise<string[]> {
    const present = await Promise.all(
      ids.map(async (id) => {
        const serviceId = serviceRegistryIdOf(id);
        if (!serviceId) return false;
        const output = await limit(() =>
          lookUp({ operation: 'servicediscovery:GetService', kind: 'service-registry', id }, () =>
            this.clients.serviceDiscovery.send(new GetServiceCommand({ Id: serviceId })),
          ),
        );
        return output?.Service !== undefined;
      }),
    );
    return ids.filter((_, index) => present[index]);
  }

  /**
   * EC2 fails a whole Describe* call when one of its `…Ids` does not exist; the id filter
   * returns just the existing ones, so one call (per page) answers for the batch.
   */
  private async ec2ExistingIds(
    ids: readonly string[],
    limit: Limit,
    describe: (
      batch: string[],
      token: string | undefined,
    ) => Promise<{ readonly ids: readonly (string | undefined)[]; readonly nextToken?: string }>,
  ): Promise<string[]> {
    const live = new Set<string>();
    await Promise.all(
      chunks(ids, PROBE_BATCH.ec2FilterValues).map(async (batch) => {
        let nextToken: string | undefined;
        do {
          const token = nextToken;
          const page = await limit(() => describe(batch, token));
          for (const id of page.ids) if (id) live.add(id);
          nextToken = page.nextToken;
        } while (nextToken);
      }),
    );
    return ids.filter((id) => live.has(id));
  }

  private subnets(ids: readonly string[], limit: Limit): Promise<string[]> {
    return this.ec2ExistingIds(ids, limit, async (batch, token) => {
      const page = await callAws({ operation: 'ec2:DescribeSubnets', kind: 'subnet' }, () =>
        this.clients.ec2.send(
          new DescribeSubnetsCommand({
            Filters: [{ Name: 'subnet-id', Values: batch }],
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      );
      return { ids: (page.Subnets ?? []).map((s) => s.SubnetId), nextToken: page.NextToken };
    });
  }

  private securityGroups(ids: readonly string[], limit: Limit): Promise<string[]> {
    return this.ec2ExistingIds(ids, limit, async (batch, token) => {
      const page = await callAws(
        { operation: 'ec2:DescribeSecurityGroups', kind: 'security-group' },
        () =>
          this.clients.ec2.send(
            new DescribeSecurityGroupsCommand({
              Filters: [{ Name: 'group-id', Values: batch }],
              ...(token ? { NextToken: token } : {}),
            }),
          ),
      );
      return { ids: (page.SecurityGroups ?? []).map((g) => g.GroupId), nextToken: page.NextToken };
    });
  }

  private async fileSystems(ids: readonly string[], limit: Limit): Promise<string[]> {
    const present = await Promise.all(
      ids.map(async (id) => {
        const output = await limit(() =>
          lookUp(
            { operation: 'elasticfilesystem:DescribeFileSystems', kind: 'file-system', id },
            () => this.clients.efs.send(new DescribeFileSystemsCommand({ FileSystemId: id })),
          ),
        );
        return (output?.FileSystems ?? []).some(
          (fileSystem) => !FILE_SYSTEM_GONE_STATES.has(fileSystem.LifeCycleState ?? ''),
        );
      }),
    );
    return ids.filter((_, index) => present[index]);
  }
}
