/**
 * Evaluates recorded calls against the synthesized policies with a real IAM policy evaluator
 * (`@cloud-copilot/iam-simulate`, AGPL-3.0: a devDependency used by this test tier only, never
 * imported from functions/, lib/ or bin/). Each call becomes the authorizations the mapping table
 * (`../sdk-to-iam.ts`) says AWS makes; each authorization × resource is one simulation with the
 * principal's identity policies, plus the resource's own policy where one decides (the trust
 * policy of an assumed role, a KMS key policy, an event bus policy).
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { type Authorization, type ResourceFacts, SDK_TO_IAM } from '../sdk-to-iam';
import type { RecordedCall } from './recorder';
import type { PolicyDocument, ResolvedApp, ResolvedRole } from './template';

/** The outcome of one authorization of one call on one resource. */
export interface Evaluation {
  readonly call: RecordedCall;
  readonly action: string;
  readonly resource: string;
  /** `Allowed`, `ImplicitlyDenied`, `ExplicitlyDenied`, or `Error: …` (an invalid request). */
  readonly result: string;
}

/** Tags and attribute keys per resource ARN that scenarios know (or learn from create calls). */
export class ResourceFactStore {
  private readonly byArn = new Map<
    string,
    {
      tags: Record<string, string>;
      context: Record<string, string>;
      kmsKey?: string;
      pullThroughCache?: boolean;
    }
  >();

  /** Adds what is known about `arn`. */
  public add(arn: string, facts: Partial<ResourceFacts>): void {
    const entry = this.byArn.get(arn) ?? { tags: {}, context: {} };
    Object.assign(entry.tags, facts.tags ?? {});
    Object.assign(entry.context, facts.context ?? {});
    if (facts.kmsKey) entry.kmsKey = facts.kmsKey;
    if (facts.pullThroughCache !== undefined) entry.pullThroughCache = facts.pullThroughCache;
    this.byArn.set(arn, entry);
  }

  /** What is known about `arn` (nothing: no tags, no attributes). */
  public get(arn: string): ResourceFacts {
    return this.byArn.get(arn) ?? { tags: {}, context: {} };
  }

  /**
   * Learns tags and attributes from the create calls in `calls`: the tags a repository, task
   * definition, service or security group was created with, and a group's VPC (`ec2:Vpc`).
   */
  public learnFrom(calls: readonly RecordedCall[], app?: ResolvedApp): void {
    for (const [tableArn, kmsKey] of app?.tableKeys ?? []) this.add(tableArn, { kmsKey });
    for (const call of calls) {
      const { input, output, region, account } = call;
      if (call.operation === 'ecr:CreateRepository') {
        this.add(`arn:aws:ecr:${region}:${account}:repository/${input.repositoryName}`, {
          tags: Object.fromEntries(
            ((input.tags as { Key: string; Value: string }[]) ?? []).map((t) => [t.Key, t.Value]),
          ),
        });
      }
      if (call.operation === 'ec2:CreateSecurityGroup' && output?.GroupId) {
        this.add(`arn:aws:ec2:${region}:${account}:security-group/${output.GroupId}`, {
          context: { 'ec2:Vpc': `arn:aws:ec2:${region}:${account}:vpc/${input.VpcId}` },
          tags: Object.fromEntries(
            ((input.TagSpecifications as { Tags?: { Key: string; Value: string }[] }[]) ?? [])
              .flatMap((s) => s.Tags ?? [])
              .map((t) => [t.Key, t.Value]),
          ),
        });
      }
      if (call.operation === 'ecs:CreateService') {
        const cluster = String(input.cluster ?? 'default')
          .split('/')
          .pop();
        this.add(`arn:aws:ecs:${region}:${account}:service/${cluster}/${input.serviceName}`, {
          tags: Object.fromEntries(
            ((input.tags as { key: string; value: string }[]) ?? []).map((t) => [t.key, t.value]),
          ),
        });
      }
    }
  }
}

/** Replaces every occurrence of each key of `renames` by its value in every string of `value`. */
export function renamed<T>(value: T, renames: ReadonlyMap<string, string>): T {
  if (renames.size === 0) return value;
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') {
      let s = v;
      for (const [from, to] of renames) s = s.split(from).join(to);
      return s;
    }
    if (Array.isArray(v)) return v.map(visit);
    if (v instanceof Uint8Array) return v;
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x)]));
    }
    return v;
  };
  return visit(value) as T;
}

// KMS honours IAM policies only when the key policy lets the account's IAM decide; a key the
// app does not own is assumed to carry AWS's default key policy, which does exactly that.
const defaultKeyPolicy = (account: string): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${account}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
  ],
});

const accountOf = (arn: string, fallback: string) => {
  const account = arn.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : fallback;
};

/** The region AWS puts in `aws:RequestedRegion`: IAM is served from us-east-1. */
const requestedRegion = (call: RecordedCall) =>
  call.operation.startsWith('iam:') ? 'us-east-1' : call.region;

function resourcePolicyFor(
  app: ResolvedApp,
  authorization: Authorization,
  resource: string,
  principal: ResolvedRole,
): PolicyDocument | undefined {
  switch (authorization.resourcePolicy) {
    case 'trust':
      return app.role(resource).trustPolicy;
    case 'key':
      return (
        app.keyPolicies.get(resource) ?? defaultKeyPolicy(accountOf(resource, principal.account))
      );
    case 'bus':
      return app.busPolicies.get(resource);
    case 'repository':
      return app.repositoryPolicies.get(resource);
    default:
      return undefined;
  }
}

/** One simulation. */
export async function simulate(
  app: ResolvedApp,
  principal: ResolvedRole,
  authorization: Authorization,
  resource: string,
  call: RecordedCall,
  /** Owner account IAM assumes for the resource. @default the account in its ARN */
  resourceAccount?: string,
): Promise<string> {
  const resourcePolicy = resourcePolicyFor(app, authorization, resource, principal);
  const response = await runSimulation(
    {
      request: {
        principal: principal.arn,
        action: authorization.action,
        resource: { resource, accountId: resourceAccount ?? accountOf(resource, call.account) },
        contextVariables: {
          'aws:RequestedRegion': requestedRegion(call),
          'aws:PrincipalArn': principal.arn,
          'aws:PrincipalAccount': principal.account,
          ...authorization.context,
        },
      },
      identityPolicies: principal.identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy } : {}),
    },
    {},
  );
  if (response.resultType === 'error') return `Error: ${JSON.stringify(response.errors)}`;
  return response.overallResult;
}

/** Every authorization of every call, evaluated. Unmapped operations come back as errors. */
export async function evaluateCalls(
  app: ResolvedApp,
  calls: readonly RecordedCall[],
  facts: ResourceFactStore,
): Promise<Evaluation[]> {
  const results: Evaluation[] = [];
  for (const call of calls) {
    const row = SDK_TO_IAM[call.operation];
    if (!row) {
      results.push({
        call,
        action: call.operation,
        resource: '?',
        result: 'Error: no row in test/iam/sdk-to-iam.ts',
      });
      continue;
    }
    const principal = app.role(call.principal);
    for (const authorization of row.authorize({ ...call, facts: (arn) => facts.get(arn) })) {
      if (authorization.resources.length === 0) {
        results.push({
          call,
          action: authorization.action,
          resource: '(none)',
          result: 'Error: no resource',
        });
      }
      for (const resource of authorization.resources) {
        results.push({
          call,
          action: authorization.action,
          resource,
          result: await simulate(app, principal, authorization, resource, call),
        });
      }
    }
  }
  return results;
}

/** One line per denial: role, action, resource, call site. */
export function denialReport(evaluations: readonly Evaluation[]): string[] {
  return [
    ...new Set(
      evaluations
        .filter((e) => e.result !== 'Allowed')
        .map(
          (e) =>
            `${e.result}: ${e.call.principal} ${e.action} on ${e.resource} (${e.call.operation} at ${e.call.callSite}, step ${e.call.step})`,
        ),
    ),
  ];
}
