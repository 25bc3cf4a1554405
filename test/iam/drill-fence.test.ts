// Issue #9's acceptance: the drill deployment's roles (every role of `UnderstudyDrill`) are
// denied every action on production — its ECS clusters and what runs in them, production's items
// of the lease table the drill shares (`LEASE#authority` and the failover's admission record),
// and its traffic (routing controls, Route 53, load balancer changes, signal metrics) — by the
// real evaluator over the synthesized policies, save one read: the prepare and acquire-lease
// roles may GetItem `LEASE#authority`, so a drill refuses while a real failover holds it. The drill's own calls are replayed and allowed
// in replay.test.ts (scenarios/drill.ts).
import { sampleConfig } from '../infra/support';
import { evaluateCalls, ResourceFactStore } from './support/evaluate';
import { withStatement } from './support/mutate';
import {
  drillGrantsOnProduction,
  type FenceBreach,
  type ProductionFence,
} from './support/negative';
import type { RecordedCall } from './support/recorder';
import type { ResolvedApp, ResolvedRole } from './support/template';
import { REPLAY_TRAFFIC, resolveApp, synthesizeStacks } from './support/template';

jest.setTimeout(180_000);

const DRILL_STACK = 'UnderstudyDrill';

/** The resolved environment of the one Lambda of `stackName` whose logical id starts with `prefix`. */
function environmentOf(
  app: ResolvedApp,
  stackName: string,
  prefix: string,
): Record<string, string> {
  const stack = app.stacks.find((s) => s.stackName === stackName);
  if (!stack) throw new Error(`no stack ${stackName}`);
  const found = Object.entries(stack.template.Resources).filter(
    ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(prefix),
  );
  const [only] = found;
  if (!only || found.length > 1) throw new Error(`expected one ${stackName}/${prefix}*`);
  const variables = (only[1].Properties?.Environment as { Variables?: unknown } | undefined)
    ?.Variables;
  return app.resolve(stackName, variables ?? {}) as Record<string, string>;
}

/** Production's side as the synthesized app names it: nothing is taken from the drill stack. */
function fenceOf(app: ResolvedApp): ProductionFence {
  const staging = app.stacks.find((s) => s.stackName === 'UnderstudyStaging');
  if (!staging) throw new Error('no staging stack');
  const lease = environmentOf(app, 'UnderstudyStaging', 'FailoverAcquireLeaseFunction');
  const config = sampleConfig() as {
    staging: { cluster: string };
    services: readonly { cluster: string }[];
  };
  const routes = Object.values(REPLAY_TRAFFIC);
  return {
    account: staging.account,
    region: staging.region,
    // The failover's staging cluster and the primary's cluster of the configured services.
    clusters: [...new Set([config.staging.cluster, ...config.services.map((s) => s.cluster)])],
    leaseTableArn: `arn:aws:dynamodb:${staging.region}:${staging.account}:table/${lease.LEASE_TABLE_NAME}`,
    productionLeaseKeys: ['LEASE#authority', 'ADMISSION#failover'],
    routingControlArns: routes.flatMap((r) =>
      r.kind === 'arc-routing-control'
        ? [r.stagingRoutingControlArn, r.primaryRoutingControlArn]
        : [],
    ),
    signalNamespaces: routes.flatMap((r) =>
      r.kind === 'route53-failover-signal' ? [r.namespace] : [],
    ),
  };
}

let app: ResolvedApp;

/** The app with statement `sid` of `<role>Role`'s policy stripped of its Condition, and that role. */
function conditionDropped(
  role: string,
  sid: string,
): { widened: ResolvedApp; roles: readonly ResolvedRole[] } {
  const widened = resolveApp(
    withStatement(app.stacks, `${role}RoleDefaultPolicy`, sid, (statement) => {
      const { Condition: _dropped, ...rest } = statement as { Condition?: unknown };
      return rest as typeof statement;
    }),
  );
  return {
    widened,
    roles: widened.roles.filter((r) => r.id.startsWith(`${DRILL_STACK}/${role}Role`)),
  };
}

/** `Role action partition-key` of a breach, the role's hash dropped. */
function breachOf(breach: FenceBreach): string {
  const role = breach.role.split('/')[1]?.replace(/[0-9A-F]{8}$/, '');
  const key = breach.context['dynamodb:LeadingKeys'];
  return [role, breach.action, ...(Array.isArray(key) ? key : [])].join(' ');
}

beforeAll(() => {
  app = resolveApp(synthesizeStacks());
});

describe('Drill fence (issue #9)', () => {
  it('denies every drill role every action on production clusters, services, lease and traffic', async () => {
    // Arrange
    const roles = app.roles.filter((r) => r.id.startsWith(`${DRILL_STACK}/`));
    const fence = fenceOf(app);

    // Act
    const allowed = await drillGrantsOnProduction(app, roles, fence);

    // Assert: nothing but the guard's one read (a drill refuses while the shadow holds
    // production's lease: functions/core/drill/guard.ts), by its two steps, of that item only.
    expect(roles.length).toBeGreaterThanOrEqual(12);
    expect(fence.leaseTableArn).toMatch(/:table\/UnderstudyStaging-AuthorityLeaseTable/);
    expect(allowed.map(breachOf).sort()).toEqual([
      'DrillFailoverAcquireLeaseRole dynamodb:GetItem LEASE#authority',
      'PrepareRole dynamodb:GetItem LEASE#authority',
    ]);
  });

  it('finds the breach when the production lease read loses its LeadingKeys condition', async () => {
    // Arrange: the prepare step's read of production's lease, for any item of the table
    const { widened, roles: prepare } = conditionDropped('Prepare', 'ReadProductionLease');

    // Act
    const allowed = await drillGrantsOnProduction(widened, prepare, fenceOf(widened));

    // Assert: the failover's admission record is then readable too
    expect(allowed.map(breachOf)).toContain('PrepareRole dynamodb:GetItem ADMISSION#failover');
  });

  it('allows the drill roles their own lease item and cluster (the fence is not vacuous)', async () => {
    // Arrange: the same check, with the drill's own lease item and cluster as "production"
    const roles = app.roles.filter((r) => r.id.startsWith(`${DRILL_STACK}/`));
    const own = {
      ...fenceOf(app),
      clusters: ['understudy-drill'],
      productionLeaseKeys: ['LEASE#drill'],
    };

    // Act
    const allowed = await drillGrantsOnProduction(app, roles, own);

    // Assert
    expect(
      allowed.map((a) => `${a.role.split('/')[1]?.replace(/[0-9A-F]{8}$/, '')} ${a.action}`),
    ).toEqual(
      expect.arrayContaining([
        'PrepareRole ecs:CreateService',
        'TeardownRole ecs:DeleteService',
        'TeardownRole ecs:ListServices',
        'TeardownRole dynamodb:UpdateItem',
        'DrillFailoverDeployRole ecs:UpdateService',
        'DrillFailoverAcquireLeaseRole dynamodb:UpdateItem',
      ]),
    );
  });

  it('finds the breach when the drill lease statement loses its LeadingKeys condition', async () => {
    // Arrange: the teardown's lease statement without its condition
    const { widened, roles: teardown } = conditionDropped('Teardown', 'DrillLeaseOnly');

    // Act
    const allowed = await drillGrantsOnProduction(widened, teardown, fenceOf(widened));

    // Assert
    expect(allowed).toContainEqual(
      expect.objectContaining({
        action: 'dynamodb:UpdateItem',
        context: { 'dynamodb:LeadingKeys': ['LEASE#authority'] },
      }),
    );
  });

  it('finds the breach when a drill step may update any service of the account', async () => {
    // Arrange: the drill deploy step's services statement widened to every cluster
    const widened = resolveApp(
      withStatement(
        app.stacks,
        'DrillFailoverDeployRoleDefaultPolicy',
        'DeployStagingServices',
        (statement) => ({ ...statement, Resource: 'arn:aws:ecs:*:*:service/*' }),
      ),
    );
    const deploy = widened.roles.filter((r) =>
      r.id.startsWith(`${DRILL_STACK}/DrillFailoverDeployRole`),
    );

    // Act
    const allowed = await drillGrantsOnProduction(widened, deploy, fenceOf(widened));

    // Assert
    expect(allowed).toContainEqual(
      expect.objectContaining({
        action: 'ecs:UpdateService',
        resource: expect.stringContaining(':service/shop-failover/'),
      }),
    );
  });

  describe('requests as the drill code sends them, through the mapping rows', () => {
    const roleOf = (prefix: string) => {
      const role = app.roles.find((r) => r.id.startsWith(`${DRILL_STACK}/${prefix}`));
      if (!role) throw new Error(`no ${DRILL_STACK}/${prefix}* role`);
      return role.id;
    };
    const callOf = (
      principal: string,
      operation: string,
      input: Record<string, unknown>,
    ): RecordedCall => ({
      principal,
      operation,
      region: fenceOf(app).region,
      account: fenceOf(app).account,
      input,
      output: undefined,
      callSite: 'drill fence request',
      step: 'drill fence request',
    });
    const verdicts = async (calls: RecordedCall[]) => {
      const facts = new ResourceFactStore();
      facts.learnFrom([], app);
      // The request's own action only (the table key's kms:Decrypt is not the fence).
      return (await evaluateCalls(app, calls, facts))
        .filter((e) => e.action === e.call.operation)
        .map(
          (e) =>
            `${e.call.principal.split('/')[1]} ${e.action} ${JSON.stringify(e.call.input)} ${e.result}`,
        );
    };
    const leaseTable = () => fenceOf(app).leaseTableArn.split('/').pop();
    const leaseRequests = (pk: string) =>
      [
        ['DrillFailoverAcquireLeaseRole', 'dynamodb:UpdateItem'],
        ['DrillFailoverAcquireLeaseRole', 'dynamodb:GetItem'],
        ['DrillFailoverDeployRole', 'dynamodb:GetItem'],
        ['DrillFailoverTrafficRole', 'dynamodb:GetItem'],
        ['TeardownRole', 'dynamodb:UpdateItem'],
        ['TeardownRole', 'dynamodb:PutItem'],
      ].map(([role, operation]) =>
        callOf(roleOf(String(role)), String(operation), {
          TableName: leaseTable(),
          ...(operation === 'dynamodb:PutItem'
            ? { Item: { pk: { S: pk }, holder: { S: 'primary' } } }
            : { Key: { pk: { S: pk } } }),
        }),
      );

    it('denies every drill lease request on the production lease item', async () => {
      // Act
      const results = await verdicts(leaseRequests('LEASE#authority'));

      // Assert: all but the acquire step's read, which the drill's guard makes
      expect(results).toHaveLength(6);
      expect(results.filter((r) => !r.endsWith(' ImplicitlyDenied'))).toEqual([
        expect.stringMatching(/^DrillFailoverAcquireLeaseRole\w* dynamodb:GetItem .* Allowed$/),
      ]);
    });

    it('allows the prepare step to read production’s lease item, never to write it', async () => {
      // Act
      const results = await verdicts(
        ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'].map((operation) =>
          callOf(roleOf('PrepareRole'), operation, {
            TableName: leaseTable(),
            ...(operation === 'dynamodb:PutItem'
              ? { Item: { pk: { S: 'LEASE#authority' }, holder: { S: 'primary' } } }
              : { Key: { pk: { S: 'LEASE#authority' } } }),
          }),
        ),
      );

      // Assert
      expect(
        results.map((r) => r.replace(/^(\w+?)[0-9A-F]{8} (\S+) .* (\w+)$/, '$1 $2 $3')),
      ).toEqual([
        'PrepareRole dynamodb:GetItem Allowed',
        'PrepareRole dynamodb:PutItem ImplicitlyDenied',
        'PrepareRole dynamodb:UpdateItem ImplicitlyDenied',
      ]);
    });

    it('allows the same requests on the drill lease item', async () => {
      // Act
      const results = await verdicts(leaseRequests('LEASE#drill'));

      // Assert
      expect(results).toHaveLength(6);
      expect(results.filter((r) => !r.endsWith(' Allowed'))).toEqual([]);
    });

    it('denies the drill ECS requests on the production clusters', async () => {
      // Arrange: each drill ECS request the code sends, aimed at every production cluster
      const calls = fenceOf(app).clusters.flatMap((cluster) => [
        callOf(roleOf('PrepareRole'), 'ecs:CreateService', {
          cluster,
          serviceName: 'shop-web',
          taskDefinition: 'shop-web:1',
          desiredCount: 0,
          tags: [{ key: 'understudy:drill', value: 'drill-1' }],
        }),
        callOf(roleOf('DrillFailoverDeployRole'), 'ecs:UpdateService', {
          cluster,
          service: 'shop-web',
        }),
        callOf(roleOf('DrillFailoverSteadyCheckRole'), 'ecs:DescribeServices', {
          cluster,
          services: ['shop-web'],
        }),
        callOf(roleOf('TeardownRole'), 'ecs:ListServices', { cluster }),
        callOf(roleOf('TeardownRole'), 'ecs:DescribeServices', { cluster, services: ['shop-web'] }),
        callOf(roleOf('TeardownRole'), 'ecs:UpdateService', { cluster, service: 'shop-web' }),
        callOf(roleOf('TeardownRole'), 'ecs:DeleteService', {
          cluster,
          service: 'shop-web',
          force: true,
        }),
      ]);

      // Act
      const results = await verdicts(calls);

      // Assert
      expect(results).toHaveLength(calls.length);
      expect(results.filter((r) => !r.endsWith(' ImplicitlyDenied'))).toEqual([]);
    });

    it('allows the same ECS requests on the drill cluster', async () => {
      // Arrange
      const cluster = 'understudy-drill';
      const calls = [
        callOf(roleOf('PrepareRole'), 'ecs:CreateService', {
          cluster,
          serviceName: 'shop-web',
          taskDefinition: 'shop-web:1',
          desiredCount: 0,
          tags: [{ key: 'understudy:drill', value: 'drill-1' }],
        }),
        callOf(roleOf('DrillFailoverDeployRole'), 'ecs:UpdateService', {
          cluster,
          service: 'shop-web',
        }),
        callOf(roleOf('TeardownRole'), 'ecs:ListServices', { cluster }),
        callOf(roleOf('TeardownRole'), 'ecs:DeleteService', {
          cluster,
          service: 'shop-web',
          force: true,
        }),
      ];

      // Act
      const results = await verdicts(calls);

      // Assert: the tag-on-create authorization included
      expect(results.filter((r) => !r.endsWith(' Allowed'))).toEqual([]);
      const facts = new ResourceFactStore();
      const all = await evaluateCalls(app, calls.slice(0, 1), facts);
      expect(all.map((e) => `${e.action} ${e.result}`)).toEqual([
        'ecs:CreateService Allowed',
        'ecs:TagResource Allowed',
      ]);
    });
  });
});
