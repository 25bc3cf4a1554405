// The IAM replay: every scenario runs the real code against moto and dynalite with every AWS
// call recorded, then each call is evaluated against the synthesized policies. Any denial fails,
// naming the role, action, resource and the source line of the call.
import { EXPLAINED_GRANTS, explanationOf } from './over-grants';
import { denialReport, type Evaluation, evaluateCalls } from './support/evaluate';
import { withoutResource, withStatement } from './support/mutate';
import {
  HANDBACK_FORBIDDEN_SERVICES,
  mutatingGrants,
  mutatingGrantsOnPrimary,
  shadowRoles,
} from './support/negative';
import { unusedGrants } from './support/over-grants';
import type { RecordedCall } from './support/recorder';
import { replayAll } from './support/replay';
import { resolveApp } from './support/template';
import { ReplayWorld } from './support/world';

jest.setTimeout(180_000);

let world: ReplayWorld;
let calls: RecordedCall[];
let evaluations: Evaluation[];

beforeAll(async () => {
  world = await ReplayWorld.start();
  calls = await replayAll(world);
  evaluations = await evaluateCalls(world.app, calls, world.facts);
}, 180_000);

afterAll(async () => {
  await world?.stop();
});

describe('IAM replay', () => {
  it('allows every call the scenarios make', () => {
    expect(denialReport(evaluations)).toEqual([]);
  });

  it('exercises every granted action, or explains in over-grants.ts why not', () => {
    const unexplained = unusedGrants(world.app, evaluations)
      .filter((u) => !explanationOf(u.role, u.action))
      .map((u) => `${u.role} ${u.action}`);
    expect(unexplained).toEqual([]);
  });

  it('keeps no explanation for a grant that is exercised or gone', () => {
    const unused = unusedGrants(world.app, evaluations);
    const stale = EXPLAINED_GRANTS.flatMap((e) =>
      e.actions
        .filter((action) => !unused.some((u) => e.role.test(u.role) && u.action === action))
        .map((action) => `${e.role.source} ${action}`),
    );
    expect(stale).toEqual([]);
  });
});

describe('Negative checks', () => {
  it('denies every handback role every IAM and Route 53 write, in its own account and the primary', async () => {
    // Arrange: the handback's Lambda roles and its state machine role
    const roles = world.app.roles.filter((r) => /^UnderstudyStaging\/Handback/.test(r.id));
    const observer = world.app.stacks.find((s) => s.stackName === 'UnderstudyObserver');
    if (!observer) throw new Error('no observer stack');
    const [own] = roles;
    if (!own) throw new Error('no handback role');

    // Act
    const grants = [
      ...(await mutatingGrants(world.app, roles, own, HANDBACK_FORBIDDEN_SERVICES)),
      ...(await mutatingGrants(world.app, roles, observer, HANDBACK_FORBIDDEN_SERVICES)),
    ];

    // Assert
    expect(roles.length).toBeGreaterThanOrEqual(7);
    expect(grants).toEqual([]);
  });

  it('denies every shadow role every mutating action on the primary', async () => {
    // Arrange
    const observer = world.app.stacks.find((s) => s.stackName === 'UnderstudyObserver');
    if (!observer) throw new Error('no observer stack');
    const readRole = world.app.roles.find((r) => r.logicalId.startsWith('SourceReadRole'));
    if (!readRole) throw new Error('no read role');
    const roles = shadowRoles(world.app, observer.account, readRole.arn);

    // Act
    const allowed = await mutatingGrantsOnPrimary(world.app, roles, observer);

    // Assert
    expect(roles.length).toBeGreaterThan(15);
    expect(allowed).toEqual([]);
  });

  it('finds a shadow role that could update primary services once scoped to any service', async () => {
    // Arrange: the stage service statement widened from the staging cluster to every service
    const observer = world.app.stacks.find((s) => s.stackName === 'UnderstudyObserver');
    if (!observer) throw new Error('no observer stack');
    const widened = resolveApp(
      withStatement(
        world.app.stacks,
        'ShadowManagerStageServiceRoleDefaultPolicy',
        'StagingServices',
        (statement) => ({ ...statement, Resource: 'arn:aws:ecs:*:*:service/*' }),
      ),
    );
    const stageService = widened.roles.filter((r) =>
      r.logicalId.startsWith('ShadowManagerStageServiceRole'),
    );

    // Act
    const allowed = await mutatingGrantsOnPrimary(widened, stageService, observer);

    // Assert
    expect(allowed.map((a) => a.action)).toEqual(
      expect.arrayContaining(['ecs:CreateService', 'ecs:UpdateService']),
    );
  });

  it('finds a handback role that could change DNS once its traffic statement names Route 53', async () => {
    // Arrange: the handback's traffic-signal statement given Route 53 record changes
    const widened = resolveApp(
      withStatement(
        world.app.stacks,
        'HandbackServicesRoleDefaultPolicy',
        'TrafficSignal',
        ({ Condition: _namespaces, ...statement }) => ({
          ...statement,
          Action: [statement.Action ?? []].flat().concat('route53:ChangeResourceRecordSets'),
          Resource: '*',
        }),
      ),
    );
    const services = widened.roles.filter((r) => r.logicalId.startsWith('HandbackServicesRole'));
    const [own] = services;
    if (!own) throw new Error('no handback services role');

    // Act
    const allowed = await mutatingGrants(widened, services, own, HANDBACK_FORBIDDEN_SERVICES);

    // Assert
    expect(allowed.map((a) => a.action)).toContain('route53:ChangeResourceRecordSets');
  });
});

describe('Self-test of the tier (modified copies of the synthesized templates)', () => {
  const denialsWith = async (stacks: ReturnType<typeof withStatement>) =>
    denialReport(await evaluateCalls(resolveApp(stacks), calls, world.facts));

  it('reports a denial when a needed statement is removed', async () => {
    const stacks = withStatement(
      world.app.stacks,
      'ShadowManagerCopyImagesRoleDefaultPolicy',
      'ReadStagedImages',
      () => undefined,
    );
    expect(await denialsWith(stacks)).toContainEqual(
      expect.stringMatching(
        /^ImplicitlyDenied: UnderstudyStaging\/ShadowManagerCopyImagesRole\S+ ecr:DescribeImages on arn:aws:ecr:eu-central-1:222222222222:repository\/shop\/web \(ecr:DescribeImages at functions\/adapters\/aws\/ecr-image-registry\.ts:\d+/,
      ),
    );
  });

  it('reports a denial when an unscopable action is scoped to an ARN', async () => {
    const stacks = withStatement(
      world.app.stacks,
      'SourceReadRoleDefaultPolicy',
      'UnscopedRead',
      (statement) => ({ ...statement, Resource: 'arn:aws:ecs:eu-west-1:111111111111:*' }),
    );
    expect(await denialsWith(stacks)).toContainEqual(
      expect.stringMatching(
        /^ImplicitlyDenied: UnderstudyObserver\/SourceReadRole\S+ ecs:DescribeTaskDefinition on \* \(ecs:DescribeTaskDefinition at functions\/adapters\/aws\/ecs-container-platform\.ts:\d+/,
      ),
    );
  });

  it('reports a denial when the workflow may not invoke one of its steps', async () => {
    const stacks = withoutResource(
      world.app.stacks,
      'ShadowManagerBatchWorkflowRoleDefaultPolicy',
      'lambda:InvokeFunction',
      (resource) => JSON.stringify(resource).includes('ShadowManagerStageServiceFunction'),
    );
    expect(await denialsWith(stacks)).toContainEqual(
      expect.stringMatching(
        /^ImplicitlyDenied: UnderstudyStaging\/ShadowManagerBatchWorkflowRole\S+ lambda:InvokeFunction on \S+ShadowManagerStageServiceFunction\S+ \(lambda:InvokeFunction at statemachines\/clone-batch\.asl\.json#Clone each service\/Stage service/,
      ),
    );
  });

  it('reports a denial when the stage service step may not read its scaling', async () => {
    const stacks = withStatement(
      world.app.stacks,
      'ShadowManagerStageServiceRoleDefaultPolicy',
      'ReadStagingServiceScaling',
      () => undefined,
    );
    expect(await denialsWith(stacks)).toContainEqual(
      expect.stringMatching(
        /^ImplicitlyDenied: UnderstudyStaging\/ShadowManagerStageServiceRole\S+ application-autoscaling:DescribeScalableTargets on \*/,
      ),
    );
  });
});
