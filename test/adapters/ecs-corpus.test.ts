// The real-definition corpus through the AWS ECS adapter without moto: each source is what
// DescribeTaskDefinition returns (plus the fields ECS fills in), it is rewritten for staging by
// the real rules, and the RegisterTaskDefinition request the adapter sends must carry every field
// of the source, changed only where a recorded rewrite says so. This covers the definitions whose
// moto round trip changes a field (see MOTO_DEVIATIONS in test/aws-api/ecs-corpus-clone.test.ts).
import {
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { EcsContainerPlatform } from '../../functions/adapters/aws/ecs-container-platform';
import { CloneValidationError } from '../../functions/core/clone/errors';
import { rewriteTaskDefinition } from '../../functions/core/clone/task-definition';
import {
  corpusMappings,
  corpusStagedImages,
  taskDefinitionCorpus,
  unexplainedDifferences,
} from '../support/ecs-corpus';

const ecs = mockClient(ECSClient);
const ARN = 'arn:aws:ecs:eu-west-1:111111111111:task-definition';

afterEach(() => {
  ecs.reset();
});

/** Describes `json` through the adapter as ECS would return it, then stages it. */
async function roundTrip(json: Record<string, unknown>) {
  const { tags: _tags, ...spec } = json;
  const family = String(json.family);
  ecs.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: {
      ...(spec as unknown as TaskDefinition),
      taskDefinitionArn: `${ARN}/${family}:3`,
      revision: 3,
      status: 'ACTIVE',
      compatibilities: ['EC2'],
      requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.docker-remote-api.1.18' }],
      registeredAt: new Date('2026-11-01T10:00:00Z'),
      registeredBy: 'arn:aws:iam::111111111111:role/deployer',
    },
  });
  ecs.on(RegisterTaskDefinitionCommand).callsFake((input) => ({
    taskDefinition: {
      ...input,
      taskDefinitionArn: `${ARN}/${family}:1`,
      revision: 1,
      status: 'ACTIVE',
    },
  }));
  const platform = new EcsContainerPlatform(new ECSClient({ region: 'eu-central-1' }));
  const source = await platform.describeTaskDefinition(`${family}:3`);
  const { spec: staged, rewrites } = rewriteTaskDefinition(
    source,
    corpusMappings(),
    corpusStagedImages(source),
  );
  await platform.registerTaskDefinition(staged, []);
  const request = ecs.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input;
  return { spec, request: JSON.parse(JSON.stringify(request)), rewrites };
}

describe('Corpus: the ECS adapter round trip (aws-sdk-client-mock)', () => {
  it.each(taskDefinitionCorpus().map((entry) => [entry.file, entry.json] as const))(
    '%s: the register request carries every source field',
    async (_file, json) => {
      // Arrange / Act
      let outcome: Awaited<ReturnType<typeof roundTrip>> | undefined;
      try {
        outcome = await roundTrip(json);
      } catch (error) {
        // Refusals are pinned, with their reasons, by the aws-api corpus test.
        if (error instanceof CloneValidationError) return;
        throw error;
      }

      // Assert: nothing lost, nothing added, every change recorded.
      expect(
        unexplainedDifferences({
          source: outcome.spec,
          copy: outcome.request,
          rewrites: outcome.rewrites,
          defaults: [],
        }),
      ).toEqual([]);
    },
  );

  it('keeps bridge networkMode of an ECS Anywhere (EXTERNAL) definition, which moto rewrites', async () => {
    // Arrange
    const entry = taskDefinitionCorpus().find((candidate) => candidate.file.startsWith('041-'));

    // Act
    const outcome = await roundTrip(entry?.json ?? {});

    // Assert
    expect(outcome.request.networkMode).toBe('bridge');
    expect(outcome.request.requiresCompatibilities).toEqual(['EXTERNAL']);
  });

  it('reports a field the copy lost (the comparison is not vacuous)', async () => {
    // Arrange
    const entry = taskDefinitionCorpus().find((candidate) => candidate.file.startsWith('020-'));
    const outcome = await roundTrip(entry?.json ?? {});
    const lossy = structuredClone(outcome.request);
    delete lossy.containerDefinitions[1].stopTimeout;

    // Act
    const problems = unexplainedDifferences({
      source: outcome.spec,
      copy: lossy,
      rewrites: outcome.rewrites,
    });

    // Assert
    expect(problems).toEqual([expect.stringMatching(/\.stopTimeout: lost/)]);
  });
});
