// The real-definition corpus (test/fixtures/ecs/task-definitions, 41 definitions written by others)
// cloned between two accounts in moto: each definition is registered as written in the primary
// (account 111111111111, eu-west-1, through an assumed role as the pipeline reads it), described
// and staged through the real ECS adapter and the real stage step into staging (account
// 222222222222, eu-central-1), and the staged revision described back with the raw SDK. The copy
// must hold every field of the source JSON unchanged, except where a recorded rewrite changed
// exactly that field — or the clone must be refused with a reason naming what to configure.
//
// Where moto itself changes a definition on register/describe (not the clone), the deviation is
// listed in MOTO_DEVIATIONS with the moto code that causes it; the same definitions are also
// compared without moto in test/adapters/ecs-corpus.test.ts, so the claim still holds there.
import {
  DescribeTaskDefinitionCommand,
  type ECSClient,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionRequest,
} from '@aws-sdk/client-ecs';
import { assumeRoleCredentials } from '../../functions/adapters/aws/assume-role';
import { EcsContainerPlatform } from '../../functions/adapters/aws/ecs-container-platform';
import { CloneValidationError } from '../../functions/core/clone/errors';
import { stageTaskDefinition } from '../../functions/core/prebake/clone-steps';
import { awsClients, primaryReadClients, regionalStsClient } from '../../functions/shared/clients';
import {
  type BackendDeviation,
  CORPUS_PRIMARY,
  CORPUS_STAGING,
  corpusMappings,
  corpusStagedImages,
  taskDefinitionCorpus,
  unexplainedDifferences,
} from '../support/ecs-corpus';
import { type MotoServer, startMoto } from '../support/moto-server';

jest.setTimeout(120_000);

/**
 * moto 5.2 `ecs/models.py` (TaskDefinition.__init__): any `requiresCompatibilities` other than
 * none or `["EC2"]` sets compatibilities to EC2+FARGATE and then forces `networkMode` to `awsvpc`,
 * so an EXTERNAL (ECS Anywhere) task registered with `bridge` reads back as `awsvpc`. ECS keeps
 * `bridge`. The adapter tier checks this definition's networkMode survives.
 */
const MOTO_DEVIATIONS: readonly BackendDeviation[] = [
  {
    file: '041-docs-ecs-anywhere-windows-external.json',
    path: 'networkMode',
    why: 'moto forces awsvpc for any non-EC2 requiresCompatibilities',
  },
];

/**
 * The corpus definitions the clone refuses, with the reason (one line per issue, from the
 * CloneValidationError). Pinned so a change in what is refused is a visible decision.
 */
const EXPECTED_REFUSALS: Readonly<Record<string, readonly RegExp[]>> = {
  // The App Mesh CNI validator runs privileged: the clone policy refuses it unless allowed.
  '017-agent-appmesh-proxy-host-volumes.json': [
    /^error containerDefinitions\[app-mesh\]\.privileged: .*allowPrivileged$/,
  ],
  // A test of host PID sharing: refused by policy unless allowHostPid is set.
  '025-agent-pid-mode-host.json': [/^error pidMode: host pid mode .*allowHostPid$/],
};

let moto: MotoServer;
let primaryEcs: ECSClient;
let primary: EcsContainerPlatform;
let staging: EcsContainerPlatform;
let stagingEcs: ECSClient;
const opened: { destroy(): void }[] = [];

beforeAll(async () => {
  moto = await startMoto(CORPUS_PRIMARY.region);
  const sts = regionalStsClient(CORPUS_PRIMARY.region, moto.clientConfig);
  opened.push(sts);
  const primaryClients = primaryReadClients(
    `arn:aws:iam::${CORPUS_PRIMARY.account}:role/understudy-read`,
    CORPUS_PRIMARY.region,
    { sts, overrides: { endpoint: moto.endpoint } },
  );
  // Staging acts as its own account: moto maps assumed credentials to the role's account.
  const stagingClients = awsClients({
    endpoint: moto.endpoint,
    region: CORPUS_STAGING.region,
    credentials: assumeRoleCredentials(
      regionalStsClient(CORPUS_STAGING.region, moto.clientConfig),
      {
        roleArn: `arn:aws:iam::${CORPUS_STAGING.account}:role/understudy-stage`,
        sessionName: 'corpus',
      },
    ),
  });
  opened.push(...Object.values(primaryClients), ...Object.values(stagingClients));
  primaryEcs = primaryClients.ecs;
  stagingEcs = stagingClients.ecs;
  primary = new EcsContainerPlatform(primaryClients.ecs);
  staging = new EcsContainerPlatform(stagingClients.ecs);
}, 60_000);

afterAll(async () => {
  for (const client of opened) client.destroy();
  await moto?.stop();
});

interface Outcome {
  readonly file: string;
  readonly result: 'lossless' | 'refused';
  readonly rewrites: number;
  readonly issues: readonly string[];
}

const outcomes: Outcome[] = [];

describe('Corpus: real task definitions cloned between two accounts (moto)', () => {
  const corpus = taskDefinitionCorpus();

  it('holds the 41 definitions SOURCES.md lists', () => {
    expect(corpus).toHaveLength(41);
  });

  it.each(corpus.map((entry) => [entry.file, entry.json] as const))(
    '%s: copies every field or refuses with a reason',
    async (file, json) => {
      // Arrange: the definition as written, in the primary account.
      const registered = await primaryEcs.send(
        new RegisterTaskDefinitionCommand(json as unknown as RegisterTaskDefinitionRequest),
      );
      const source = await primary.describeTaskDefinition(
        registered.taskDefinition?.taskDefinitionArn ?? '',
      );

      // Act
      let staged: Awaited<ReturnType<typeof stageTaskDefinition>> | undefined;
      let issues: readonly string[] = [];
      try {
        staged = await stageTaskDefinition(staging, {
          source,
          stagedImages: corpusStagedImages(source),
          mappings: corpusMappings(),
        });
      } catch (error) {
        if (!(error instanceof CloneValidationError)) throw error;
        issues = error.issues;
      }

      // Assert
      if (!staged) {
        outcomes.push({ file, result: 'refused', rewrites: 0, issues });
        const expected = EXPECTED_REFUSALS[file];
        expect({ file, issues }).toEqual({
          file,
          issues: expected ? expected.map((pattern) => expect.stringMatching(pattern)) : [],
        });
        return;
      }
      expect(EXPECTED_REFUSALS[file]).toBeUndefined();
      const described = await stagingEcs.send(
        new DescribeTaskDefinitionCommand({
          taskDefinition: staged.taskDefinitionArn,
          include: ['TAGS'],
        }),
      );
      const {
        taskDefinitionArn: _arn,
        revision: _revision,
        status,
        registeredAt: _registeredAt,
        registeredBy: _registeredBy,
        requiresAttributes: _requiresAttributes,
        compatibilities: _compatibilities,
        ...copy
      } = JSON.parse(JSON.stringify(described.taskDefinition)) as Record<string, unknown>;
      const { tags: sourceTags, ...sourceSpec } = json;
      expect(status).toBe('ACTIVE');
      expect(staged.taskDefinitionArn).toContain(
        `:${CORPUS_STAGING.region}:${CORPUS_STAGING.account}:task-definition/`,
      );
      expect(
        unexplainedDifferences({
          source: sourceSpec,
          copy,
          rewrites: staged.rewrites,
          ignore: MOTO_DEVIATIONS.filter((deviation) => deviation.file === file).map(
            (deviation) => deviation.path,
          ),
        }),
      ).toEqual([]);
      // The source's own tags travel with the copy, next to Understudy's.
      for (const tag of (sourceTags as { key: string; value: string }[] | undefined) ?? []) {
        expect(described.tags).toContainEqual(tag);
      }
      // Every image is the staged digest: the one rewrite every definition has.
      expect(staged.rewrites.filter((rewrite) => rewrite.rule === 'image')).toHaveLength(
        source.containerDefinitions.length,
      );
      outcomes.push({ file, result: 'lossless', rewrites: staged.rewrites.length, issues: [] });
    },
  );

  afterAll(() => {
    const lossless = outcomes.filter((outcome) => outcome.result === 'lossless').length;
    const refused = outcomes.filter((outcome) => outcome.result === 'refused');
    // A table for the reader of the test log (and the report); the assertions are above.
    const rewrites = outcomes.reduce((sum, outcome) => sum + outcome.rewrites, 0);
    process.stdout.write(
      `corpus: ${lossless} lossless (${rewrites} documented rewrites), ${refused.length} refused\n${refused
        .map((outcome) => `  ${outcome.file}\n    ${outcome.issues.join('\n    ')}`)
        .join('\n')}\n`,
    );
  });
});
