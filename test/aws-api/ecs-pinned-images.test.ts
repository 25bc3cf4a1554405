// EcsContainerPlatform.describePinnedImages over HTTP against moto: the running-task path
// (ListTasks + DescribeTasks) with real request serialisation and real responses. moto 5
// implements neither ListServiceDeployments nor DescribeServiceRevisions (see
// test/support/moto-gaps.ts, which answers the first as ECS does for a service with no deployment
// history), and its tasks carry no `imageDigest`: which digest is chosen is pinned call by call
// in test/adapters/ecs-pinned-images.test.ts.
import {
  CreateClusterCommand,
  type DescribeTasksCommandOutput,
  type ListTasksCommandOutput,
  RunTaskCommand,
} from '@aws-sdk/client-ecs';
import { EcsContainerPlatform } from '../../functions/adapters/aws/ecs-container-platform';
import { type AwsClients, awsClients } from '../../functions/shared/clients';
import { answerMotoEcsGaps } from '../support/moto-gaps';
import { type MotoServer, startMoto } from '../support/moto-server';

let moto: MotoServer;
let clients: AwsClients;
const outputs: { command: string; output: unknown }[] = [];

beforeAll(async () => {
  moto = await startMoto('eu-west-1');
  clients = awsClients(moto.clientConfig);
  answerMotoEcsGaps(clients.ecs);
  // Record what moto answered, after deserialisation, to see the real responses parsed.
  clients.ecs.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      outputs.push({ command: context.commandName ?? '', output: result.output });
      return result;
    },
    { step: 'initialize', name: 'recordOutputs' },
  );
}, 60_000);

afterAll(async () => {
  for (const client of Object.values(clients ?? {})) client.destroy();
  await moto?.stop();
});

describe('Class: EcsContainerPlatform (moto)', () => {
  describe('Method: describePinnedImages', () => {
    it('lists and describes the running tasks, keeps those of the task definition, and reports no digest moto does not record', async () => {
      // Arrange: two tasks of web:1 and one of web:2 running in the cluster
      await moto.reset();
      await clients.ecs.send(new CreateClusterCommand({ clusterName: 'shop' }));
      const platform = new EcsContainerPlatform(clients.ecs);
      const register = (tag: string) =>
        platform.registerTaskDefinition(
          {
            // Bridge mode: moto 5 fails to place awsvpc tasks (its ENI lacks privateDnsName).
            family: 'web',
            containerDefinitions: [
              {
                name: 'web',
                image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:${tag}`,
                // moto sums container cpu and memory when it places a task.
                cpu: 256,
                memory: 512,
              },
            ],
          },
          [],
        );
      const first = await register('v1');
      const second = await register('v2');
      const run = (taskDefinition: string, count: number) =>
        clients.ecs.send(
          new RunTaskCommand({
            cluster: 'shop',
            taskDefinition,
            count,
            launchType: 'FARGATE',
          }),
        );
      await run(first.taskDefinitionArn, 2);
      await run(second.taskDefinitionArn, 1);
      outputs.length = 0;

      // Act
      const pinned = await platform.describePinnedImages('shop', 'web', first.taskDefinitionArn);

      // Assert
      expect(pinned).toEqual({ source: 'none', digests: {} });
      const listed = outputs.find((entry) => entry.command === 'ListTasksCommand')
        ?.output as ListTasksCommandOutput;
      const described = outputs.find((entry) => entry.command === 'DescribeTasksCommand')
        ?.output as DescribeTasksCommandOutput;
      expect(listed.taskArns).toHaveLength(3);
      expect(
        described.tasks?.filter((task) => task.taskDefinitionArn === first.taskDefinitionArn),
      ).toHaveLength(2);
      expect(described.tasks?.[0]?.containers?.[0]).toMatchObject({ name: 'web' });
      expect(described.tasks?.[0]?.containers?.[0]?.imageDigest).toBeUndefined();
    });
  });
});
