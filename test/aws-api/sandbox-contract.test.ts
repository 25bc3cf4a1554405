// Contract between the sandbox's Step Functions SDK dispatcher and real AWS API shapes: the same
// calls go through real SDK v3 clients to a moto server, moto's output is converted to the
// PascalCase keys Step Functions presents, and every field path the sandbox returns must exist
// in moto's output with the same JSON type. Fails (never skips) when moto cannot start.
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
} from '@aws-sdk/client-ecs';
import {
  createSdkDispatcher,
  SandboxCloud,
  type SfnJson,
  VirtualClock,
} from '../../functions/adapters/sandbox';
import type { Location, TaskDefinitionSpec } from '../../functions/core/model';
import { type MotoServer, startMoto } from '../support/moto-server';

const REGION = 'eu-west-1';
const LOCATION: Location = { account: '123456789012', region: REGION };

/**
 * Step Functions' rule, written independently of the sandbox's converter: structure keys get an
 * upper-case first letter, map members (`options`) keep their keys, timestamps become strings.
 */
function pascalLikeStepFunctions(value: unknown, isMap = false): unknown {
  if (Array.isArray(value)) return value.map((v) => pascalLikeStepFunctions(v));
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === '$metadata' || inner === undefined) continue;
    const name = isMap ? key : key.charAt(0).toUpperCase() + key.slice(1);
    out[name] = pascalLikeStepFunctions(inner, name === 'Options');
  }
  return out;
}

/** Every field path (`Services[].Deployments[].RunningCount`) with its JSON type. */
function shape(
  value: unknown,
  path = '',
  into = new Map<string, string>(),
  isMap = false,
): Map<string, string> {
  if (Array.isArray(value)) {
    into.set(path, 'array');
    for (const item of value) shape(item, `${path}[]`, into);
  } else if (typeof value === 'object' && value !== null) {
    into.set(path, 'object');
    if (isMap) return into;
    for (const [key, inner] of Object.entries(value)) {
      shape(inner, path ? `${path}.${key}` : key, into, key === 'Options');
    }
  } else {
    into.set(path, typeof value);
  }
  return into;
}

/** Paths the sandbox returns that moto leaves out although AWS returns them (with why). */
const MOTO_OMITS: Readonly<Record<string, string>> = {
  'TaskDefinition.RegisteredAt': 'ECS returns registeredAt; moto 5 does not record it',
};

function mismatches(sandbox: unknown, moto: unknown): string[] {
  const ours = shape(sandbox);
  const theirs = shape(moto);
  const problems: string[] = [];
  for (const [path, type] of ours) {
    if (path === '' || path in MOTO_OMITS) continue;
    const other = theirs.get(path);
    if (other === undefined) problems.push(`${path}: missing in moto`);
    else if (other !== type) problems.push(`${path}: sandbox ${type}, moto ${other}`);
  }
  return problems;
}

const taskDefinition: TaskDefinitionSpec = {
  family: 'web',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '256',
  memory: '512',
  containerDefinitions: [
    {
      name: 'app',
      image: 'public.ecr.aws/nginx/nginx:1.27',
      essential: true,
      portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
      environment: [{ name: 'MODE', value: 'prod' }],
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/shop/web' } },
    },
  ],
};

describe('Contract: sandbox SDK dispatcher vs moto', () => {
  let moto: MotoServer;
  let ecs: ECSClient;
  let ec2: EC2Client;
  const motoOut: Record<string, unknown> = {};
  const sandboxOut: Record<string, SfnJson> = {};

  beforeAll(async () => {
    moto = await startMoto(REGION);
    ecs = new ECSClient(moto.clientConfig);
    ec2 = new EC2Client(moto.clientConfig);

    // Real protocol, real SDK: the calls a clone + failover make.
    await ecs.send(new CreateClusterCommand({ clusterName: 'shop' }));
    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
    const vpcId = vpc.Vpc?.VpcId ?? '';
    const subnet = await ec2.send(
      new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.0.1.0/24' }),
    );
    const group = await ec2.send(
      new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'web', Description: 'web' }),
    );
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: group.GroupId,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
        ],
      }),
    );
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        ...(taskDefinition as unknown as RegisterTaskDefinitionCommandInput),
        tags: [{ key: 'understudy:clone', value: '1' }],
      }),
    );
    const network = {
      awsvpcConfiguration: {
        subnets: [subnet.Subnet?.SubnetId ?? ''],
        securityGroups: [group.GroupId ?? ''],
        assignPublicIp: 'DISABLED' as const,
      },
    };
    motoOut.createService = pascalLikeStepFunctions(
      await ecs.send(
        new CreateServiceCommand({
          cluster: 'shop',
          serviceName: 'web',
          taskDefinition: 'web:1',
          desiredCount: 2,
          launchType: 'FARGATE',
          networkConfiguration: network,
        }),
      ),
    );
    motoOut.describeServices = pascalLikeStepFunctions(
      await ecs.send(new DescribeServicesCommand({ cluster: 'shop', services: ['web', 'ghost'] })),
    );
    motoOut.describeTaskDefinition = pascalLikeStepFunctions(
      await ecs.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: 'web:1', include: ['TAGS'] }),
      ),
    );
    motoOut.describeSecurityGroups = pascalLikeStepFunctions(
      await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [group.GroupId ?? ''] })),
    );

    // The same world in the sandbox, then the same calls through the SFN dispatcher.
    const cloud = new SandboxCloud({ seed: 1, clock: new VirtualClock() });
    cloud.createCluster(LOCATION, 'shop');
    const sandboxVpc = cloud.createVpc(LOCATION, { subnetCount: 1 });
    const sandboxGroup = cloud.createSecurityGroup(LOCATION, {
      vpcId: sandboxVpc.vpcId,
      groupName: 'web',
      description: 'web',
      ingress: [{ protocol: 'tcp', fromPort: 8080, toPort: 8080, cidrIpv4: '10.0.0.0/8' }],
    });
    cloud.registerTaskDefinition(LOCATION, taskDefinition, [
      { name: 'understudy:clone', value: '1' },
    ]);
    const sdk = createSdkDispatcher(cloud, LOCATION);
    sandboxOut.createService = await sdk('ecs', 'createService', {
      Cluster: 'shop',
      ServiceName: 'web',
      TaskDefinition: 'web:1',
      DesiredCount: 2,
      LaunchType: 'FARGATE',
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          Subnets: [...sandboxVpc.subnetIds],
          SecurityGroups: [sandboxGroup],
          AssignPublicIp: 'DISABLED',
        },
      },
    });
    sandboxOut.describeServices = await sdk('ecs', 'describeServices', {
      Cluster: 'shop',
      Services: ['web', 'ghost'],
    });
    sandboxOut.describeTaskDefinition = await sdk('ecs', 'describeTaskDefinition', {
      TaskDefinition: 'web:1',
      Include: ['TAGS'],
    });
    sandboxOut.describeSecurityGroups = await sdk('ec2', 'describeSecurityGroups', {
      GroupIds: [sandboxGroup],
    });
  }, 90_000);

  afterAll(async () => {
    ecs?.destroy();
    ec2?.destroy();
    await moto?.stop();
  });

  it.each([
    'createService',
    'describeServices',
    'describeTaskDefinition',
    'describeSecurityGroups',
  ])(
    'returns only fields, at the paths and with the types, that the real API returns for %s',
    (call) => {
      // Act
      const problems = mismatches(sandboxOut[call], motoOut[call]);

      // Assert
      expect(problems).toEqual([]);
    },
  );

  it('detects a missing path and a type difference (the comparison is not vacuous)', () => {
    // Act
    const problems = mismatches({ A: { B: 1 }, C: [{ D: 'x' }] }, { A: { B: '1' }, C: [] });

    // Assert
    expect(problems).toEqual([
      'A.B: sandbox number, moto string',
      'C[]: missing in moto',
      'C[].D: missing in moto',
    ]);
  });

  it('lists as moto omissions only paths the sandbox really returns', () => {
    // Act
    const ours = new Set(Object.values(sandboxOut).flatMap((output) => [...shape(output).keys()]));

    // Assert
    for (const path of Object.keys(MOTO_OMITS)) expect(ours.has(path)).toBe(true);
  });

  it('models the fields the workflows read, in both outputs', () => {
    // Arrange
    const required = [
      'Services[].RunningCount',
      'Services[].DesiredCount',
      'Services[].PendingCount',
      'Services[].Status',
      'Services[].TaskDefinition',
      'Services[].Deployments[].RolloutState',
      'Services[].Deployments[].RunningCount',
      'Services[].NetworkConfiguration.AwsvpcConfiguration.SecurityGroups',
      'Failures[].Reason',
    ];

    // Act
    const ours = shape(sandboxOut.describeServices);
    const theirs = shape(motoOut.describeServices);

    // Assert
    for (const path of required) {
      expect({ path, sandbox: ours.has(path), moto: theirs.has(path) }).toEqual({
        path,
        sandbox: true,
        moto: true,
      });
    }
  });

  it('agrees with moto on the values both compute the same way', () => {
    // Arrange
    const ours = sandboxOut.describeServices as { Services: SfnJson[]; Failures: SfnJson[] };
    const theirs = motoOut.describeServices as { Services: SfnJson[]; Failures: SfnJson[] };
    const ourDefinition = (sandboxOut.describeTaskDefinition as { TaskDefinition: SfnJson })
      .TaskDefinition;
    const theirDefinition = (motoOut.describeTaskDefinition as { TaskDefinition: SfnJson })
      .TaskDefinition;

    // Assert
    expect(ours.Services[0]?.DesiredCount).toBe(theirs.Services[0]?.DesiredCount);
    expect(ours.Services[0]?.Status).toBe(theirs.Services[0]?.Status);
    expect(ours.Failures[0]?.Reason).toBe(theirs.Failures[0]?.Reason);
    expect(ourDefinition.TaskDefinitionArn).toBe(theirDefinition.TaskDefinitionArn);
    expect(ourDefinition.Revision).toBe(theirDefinition.Revision);
    expect((sandboxOut.describeTaskDefinition as SfnJson).Tags).toEqual(
      (motoOut.describeTaskDefinition as SfnJson).Tags,
    );
  });
});
