import fc from 'fast-check';
import { CloneValidationError } from '../../../functions/core/clone/errors';
import {
  AWS_FILLED_TASK_DEFINITION_FIELDS,
  normalizeTaskDefinition,
  reusableRevision,
  rewriteForStaging,
  rewriteTaskDefinition,
  stagedTaskDefinitionTags,
  stripAwsFilledFields,
  taskDefinitionHash,
} from '../../../functions/core/clone/task-definition';
import { ValidationError } from '../../../functions/core/errors';
import {
  type ImageReference,
  isDigest,
  type TaskDefinitionSpec,
} from '../../../functions/core/model';
import {
  digest,
  mappings,
  SRC_EXEC_ROLE,
  SRC_SECRET,
  STAGING_REGISTRY,
  STG_EXEC_ROLE,
  STG_PARAM,
  STG_QUEUE,
  STG_SECRET,
  STG_TASK_ROLE,
  sourceTaskDefinition,
  stagedImages,
} from './fixtures';

/** Rebuilds `value` with every object's keys in an order drawn from `order`. */
function reorderKeys(value: unknown, order: readonly number[], cursor = { i: 0 }): unknown {
  if (Array.isArray(value)) return value.map((item) => reorderKeys(item, order, cursor));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  for (let i = keys.length - 1; i > 0; i--) {
    const j = (order[cursor.i++ % order.length] ?? 0) % (i + 1);
    [keys[i], keys[j]] = [keys[j] as string, keys[i] as string];
  }
  return Object.fromEntries(
    keys.map((key) => [key, reorderKeys((value as Record<string, unknown>)[key], order, cursor)]),
  );
}

function rewriteError(run: () => unknown): CloneValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof CloneValidationError) return error;
    throw error;
  }
  throw new Error('expected a CloneValidationError');
}

describe('Module: clone/task-definition', () => {
  describe('Function: stripAwsFilledFields', () => {
    it('drops every field AWS fills in and keeps the spec', () => {
      // Arrange
      const registered = {
        ...sourceTaskDefinition(),
        registeredBy: 'arn:aws:iam::111111111111:user/ci',
        deregisteredAt: '2026-11-02T00:00:00Z',
        requiresAttributes: [{ name: 'ecs.capability.secrets.asm.environment-variables' }],
        compatibilities: ['EC2', 'FARGATE'],
      };

      // Act
      const spec = stripAwsFilledFields(registered) as unknown as Record<string, unknown>;

      // Assert
      for (const field of AWS_FILLED_TASK_DEFINITION_FIELDS) expect(spec).not.toHaveProperty(field);
      expect(spec.family).toBe('shop-web');
      expect(spec.containerDefinitions).toEqual(registered.containerDefinitions);
    });
  });

  describe('Function: taskDefinitionHash', () => {
    it('is the same for a spec and its registered revision', () => {
      // Arrange
      const registered = sourceTaskDefinition();
      const spec = stripAwsFilledFields(registered);

      // Act
      const [a, b] = [taskDefinitionHash(spec), taskDefinitionHash(registered)];

      // Assert
      expect(a).toMatch(/^[0-9a-f]{64}$/);
      expect(a).toBe(b);
    });

    it.each<[string, (spec: TaskDefinitionSpec) => TaskDefinitionSpec]>([
      [
        'ECS defaults reported back (cpu 0, essential, protocol, awsvpc hostPort)',
        (spec) => ({
          ...spec,
          containerDefinitions: spec.containerDefinitions.map((container) => ({
            ...container,
            cpu: 0,
            essential: container.essential ?? true,
            portMappings: container.portMappings?.map((port) => ({
              ...port,
              protocol: 'tcp' as const,
              hostPort: port.containerPort,
            })),
          })),
        }),
      ],
      [
        'empty lists that mean "not set"',
        (spec) => ({
          ...spec,
          volumes: [],
          containerDefinitions: spec.containerDefinitions.map((c) => ({ ...c, command: [] })),
        }),
      ],
      [
        'containers and environment in another order',
        (spec) => ({
          ...spec,
          containerDefinitions: [...spec.containerDefinitions].reverse().map((c) => ({
            ...c,
            environment: c.environment ? [...c.environment].reverse() : undefined,
          })),
        }),
      ],
    ])('ignores %s', (_name, change) => {
      // Arrange
      const spec = stripAwsFilledFields(sourceTaskDefinition());

      // Act / Assert
      expect(taskDefinitionHash(change(spec))).toBe(taskDefinitionHash(spec));
    });

    it('changes when the content changes', () => {
      // Arrange
      const spec = stripAwsFilledFields(sourceTaskDefinition());
      const changed = { ...spec, memory: '2048' };

      // Act / Assert
      expect(taskDefinitionHash(changed)).not.toBe(taskDefinitionHash(spec));
    });

    it('is stable under any key order (property)', () => {
      const spec = sourceTaskDefinition();
      const expected = taskDefinitionHash(spec);
      fc.assert(
        fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 64 }), (order) => {
          expect(taskDefinitionHash(reorderKeys(spec, order) as TaskDefinitionSpec)).toBe(expected);
        }),
      );
    });

    it('equals for specs equal after normalisation (property)', () => {
      fc.assert(
        fc.property(
          fc.uniqueArray(fc.stringMatching(/^[A-Z_]{1,8}$/), { minLength: 1, maxLength: 6 }),
          fc.string(),
          (names, value) => {
            const environment = names.map((name) => ({ name, value }));
            const base: TaskDefinitionSpec = {
              family: 'f',
              containerDefinitions: [{ name: 'c', image: 'i', environment }],
            };
            const shuffled: TaskDefinitionSpec = {
              family: 'f',
              containerDefinitions: [
                { name: 'c', image: 'i', environment: [...environment].reverse() },
              ],
            };
            expect(normalizeTaskDefinition(shuffled)).toEqual(normalizeTaskDefinition(base));
          },
        ),
      );
    });
  });

  describe('Function: rewriteForStaging', () => {
    it('maps images, roles, secrets, logs and environment to staging', () => {
      // Arrange
      const spec = stripAwsFilledFields(sourceTaskDefinition());

      // Act
      const staged = rewriteForStaging(spec, mappings(), stagedImages());

      // Assert
      const [web, envoy] = staged.containerDefinitions;
      expect(web?.image).toBe(`${STAGING_REGISTRY}/shop/web@${digest('a')}`);
      expect(envoy?.image).toBe(`${STAGING_REGISTRY}/appmesh/aws-appmesh-envoy@${digest('b')}`);
      expect(staged.executionRoleArn).toBe(STG_EXEC_ROLE);
      expect(staged.taskRoleArn).toBe(STG_TASK_ROLE);
      expect(web?.secrets).toEqual([
        { name: 'DB_PASSWORD', valueFrom: `${STG_SECRET}:password::` },
        { name: 'API_URL', valueFrom: STG_PARAM },
      ]);
      expect(web?.logConfiguration?.options).toEqual({
        'awslogs-group': '/staging/shop/web',
        'awslogs-region': 'eu-central-1',
        'awslogs-stream-prefix': 'web',
      });
      expect(web?.environment).toEqual([
        { name: 'ORDERS_QUEUE', value: STG_QUEUE },
        { name: 'LOG_LEVEL', value: 'info' },
      ]);
      expect(staged).not.toHaveProperty('taskDefinitionArn');
      expect(staged.family).toBe('shop-web');
    });

    it('lists every unmappable reference with its path in one error', () => {
      // Arrange
      const spec = stripAwsFilledFields(sourceTaskDefinition());
      const images = stagedImages();
      delete images.envoy;

      // Act
      const error = rewriteError(() =>
        rewriteForStaging(spec, mappings({ secrets: {}, roles: {} }), images),
      );

      // Assert
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.name).toBe('CloneValidationError');
      expect(error.issues).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^containerDefinitions\[envoy\]\.image: no staged image/),
          expect.stringMatching(
            /^containerDefinitions\[web\]\.secrets\[DB_PASSWORD\]\.valueFrom: .*no mapping in secrets/,
          ),
          expect.stringMatching(/^containerDefinitions\[web\]\.secrets\[API_URL\]\.valueFrom: /),
          expect.stringMatching(/^executionRoleArn: .*no mapping in roles/),
          expect.stringMatching(/^taskRoleArn: /),
        ]),
      );
      expect(error.issues).toHaveLength(5);
      expect(error.message).toContain(SRC_SECRET);
    });

    it.each([
      ['a tag instead of a digest', { digest: 'latest' }, /not pinned by a sha256 digest/],
      ['another registry', { registry: 'docker.io' }, /not the staging registry/],
    ])('refuses a staged image in %s', (_name, change, message) => {
      // Arrange
      const spec = stripAwsFilledFields(sourceTaskDefinition());
      const images = stagedImages();
      images.web = { ...(images.web as NonNullable<typeof images.web>), ...change } as never;

      // Act
      const error = rewriteError(() => rewriteForStaging(spec, mappings(), images));

      // Assert
      expect(error.issues).toEqual([expect.stringMatching(message)]);
    });

    it('refuses an environment value naming the primary region unless mapped or allowed', () => {
      // Arrange
      const spec: TaskDefinitionSpec = {
        family: 'f',
        containerDefinitions: [
          {
            name: 'web',
            image: 'x',
            environment: [
              { name: 'AWS_REGION', value: 'eu-west-1' },
              { name: 'ENDPOINT', value: 'https://sqs.eu-west-1.amazonaws.com/q' },
              { name: 'ZONE', value: 'eu-west-1a' },
              { name: 'OTHER', value: 'eu-west-10' },
            ],
          },
        ],
      };

      // Act
      const error = rewriteError(() => rewriteForStaging(spec, mappings(), stagedImages()));
      const overridden = rewriteForStaging(
        spec,
        mappings({
          rewriteRegionAndAccount: ['environment'],
          environment: { ZONE: 'eu-central-1b' },
        }),
        stagedImages(),
      );

      // Assert
      expect(error.issues).toEqual([
        expect.stringMatching(
          /^containerDefinitions\[web\]\.environment\[AWS_REGION\]: value names the primary region/,
        ),
        expect.stringMatching(/environment\[ENDPOINT\]/),
        expect.stringMatching(/environment\[ZONE\]/),
      ]);
      expect(error.message).not.toContain('sqs.eu-west-1');
      expect(overridden.containerDefinitions[0]?.environment).toEqual([
        { name: 'AWS_REGION', value: 'eu-central-1' },
        { name: 'ENDPOINT', value: 'https://sqs.eu-central-1.amazonaws.com/q' },
        { name: 'ZONE', value: 'eu-central-1b' },
        { name: 'OTHER', value: 'eu-west-10' },
      ]);
    });

    it('maps each embedded ARN where it stands, even when one is a prefix of another', () => {
      // Arrange
      const a = 'arn:aws:sqs:eu-west-1:111111111111:a';
      const ab = 'arn:aws:sqs:eu-west-1:111111111111:a-b';
      const spec: TaskDefinitionSpec = {
        family: 'f',
        containerDefinitions: [
          { name: 'web', image: 'x', environment: [{ name: 'QUEUES', value: `${ab},${a}` }] },
        ],
      };

      // Act
      const staged = rewriteForStaging(
        spec,
        mappings({ arns: { [a]: 'A', [ab]: 'AB' } }),
        stagedImages(),
      );

      // Assert
      expect(staged.containerDefinitions[0]?.environment).toEqual([
        { name: 'QUEUES', value: 'AB,A' },
      ]);
    });

    it('refuses an unmapped primary ARN in an environment value or log option, once per ARN', () => {
      // Arrange
      const topic = 'arn:aws:sns:eu-west-1:111111111111:alerts';
      const spec: TaskDefinitionSpec = {
        family: 'f',
        containerDefinitions: [
          {
            name: 'web',
            image: 'x',
            environment: [{ name: 'TOPICS', value: `${topic} ${topic}` }],
            logConfiguration: {
              logDriver: 'awsfirelens',
              options: {
                delivery_stream: 'arn:aws:firehose:eu-west-1:111111111111:deliverystream/logs',
              },
            },
          },
          // The FireLens router awsfirelens needs (ECS refuses the driver without one).
          { name: 'envoy', image: 'x', firelensConfiguration: { type: 'fluentbit' } },
        ],
      };

      // Act
      const error = rewriteError(() => rewriteForStaging(spec, mappings(), stagedImages()));
      const rewritten = rewriteForStaging(
        spec,
        mappings({ rewriteRegionAndAccount: ['environment', 'logOptions'] }),
        stagedImages(),
      );

      // Assert
      expect(error.issues).toEqual([
        `containerDefinitions[web].environment[TOPICS]: ${topic} belongs to the primary (111111111111/eu-west-1) and has no mapping in arns`,
        expect.stringMatching(
          /^containerDefinitions\[web\]\.logConfiguration\.options\[delivery_stream\]: arn:aws:firehose/,
        ),
      ]);
      expect(rewritten.containerDefinitions[0]?.logConfiguration?.options).toEqual({
        delivery_stream: 'arn:aws:firehose:eu-central-1:222222222222:deliverystream/logs',
      });
    });

    it('rewrites unmapped primary ARNs generically only for the fields config allows', () => {
      // Arrange
      const spec: TaskDefinitionSpec = {
        family: 'f',
        executionRoleArn: 'arn:aws:iam::111111111111:role/other',
        containerDefinitions: [
          {
            name: 'web',
            image: 'x',
            secrets: [{ name: 'S', valueFrom: 'arn:aws:ssm:eu-west-1:111111111111:parameter/p' }],
          },
        ],
      };

      // Act
      const staged = rewriteForStaging(
        spec,
        mappings({ rewriteRegionAndAccount: ['roles', 'secrets'] }),
        stagedImages(),
      );

      // Assert
      expect(staged.executionRoleArn).toBe('arn:aws:iam::222222222222:role/other');
      expect(staged.containerDefinitions[0]?.secrets?.[0]?.valueFrom).toBe(
        'arn:aws:ssm:eu-central-1:222222222222:parameter/p',
      );
    });

    it('keeps references that are valid in staging unchanged', () => {
      // Arrange: a bare parameter name resolves in the task's own region; a third account's ARN
      // is shared, not the primary's.
      const shared = 'arn:aws:secretsmanager:us-east-1:333333333333:secret:shared-AbCdEf';
      const spec: TaskDefinitionSpec = {
        family: 'f',
        containerDefinitions: [
          {
            name: 'web',
            image: 'x',
            secrets: [
              { name: 'A', valueFrom: '/shop/flag' },
              { name: 'B', valueFrom: shared },
            ],
          },
        ],
      };

      // Act
      const staged = rewriteForStaging(spec, mappings(), stagedImages());

      // Assert
      expect(staged.containerDefinitions[0]?.secrets).toEqual([
        { name: 'A', valueFrom: '/shop/flag' },
        { name: 'B', valueFrom: shared },
      ]);
    });

    it('maps EFS volumes and refuses unmapped file systems', () => {
      // Arrange
      const spec: TaskDefinitionSpec = {
        family: 'f',
        containerDefinitions: [{ name: 'web', image: 'x' }],
        volumes: [
          {
            name: 'data',
            efsVolumeConfiguration: {
              fileSystemId: 'fs-src',
              authorizationConfig: { accessPointId: 'fsap-src' },
            },
          },
        ],
      };

      // Act
      const error = rewriteError(() => rewriteForStaging(spec, mappings(), stagedImages()));
      const staged = rewriteForStaging(
        spec,
        mappings({ fileSystems: { 'fs-src': 'fs-stg', 'fsap-src': 'fsap-stg' } }),
        stagedImages(),
      );

      // Assert
      expect(error.issues).toEqual([
        'volumes[data].efsVolumeConfiguration.fileSystemId: fs-src is regional and has no mapping in fileSystems',
        'volumes[data].efsVolumeConfiguration.authorizationConfig.accessPointId: fsap-src is regional and has no mapping in fileSystems',
      ]);
      expect(staged.volumes).toEqual([
        {
          name: 'data',
          efsVolumeConfiguration: {
            fileSystemId: 'fs-stg',
            authorizationConfig: { accessPointId: 'fsap-stg' },
          },
        },
      ]);
    });

    it('never leaves an image that is not a staging digest (property)', () => {
      const containerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
      // A staged image may be missing, tag-only, malformed, from another registry, or valid.
      const stagedArb = fc.option(
        fc.record({
          registry: fc.constantFrom(STAGING_REGISTRY, STAGING_REGISTRY, 'docker.io'),
          digest: fc.oneof(
            fc.stringMatching(/^[0-9a-f]{64}$/).map((hex) => `sha256:${hex}`),
            fc.constantFrom('latest', 'sha256:abc', `sha256:${'A'.repeat(64)}`),
          ),
        }),
      );
      fc.assert(
        fc.property(
          fc.uniqueArray(containerName, { minLength: 1, maxLength: 5 }),
          fc.array(stagedArb, { minLength: 5, maxLength: 5 }),
          (names, staged) => {
            const spec: TaskDefinitionSpec = {
              family: 'f',
              containerDefinitions: names.map((name) => ({ name, image: `src/${name}:latest` })),
            };
            const images = Object.fromEntries(
              names.flatMap((name, index) => {
                const image = staged[index];
                return image ? [[name, { ...image, repository: name }]] : [];
              }),
            ) as Record<string, ImageReference>;
            let result: TaskDefinitionSpec;
            try {
              result = rewriteForStaging(spec, mappings(), images);
            } catch (error) {
              expect(error).toBeInstanceOf(CloneValidationError);
              return;
            }
            for (const container of result.containerDefinitions) {
              const [repo, pinned] = container.image.split('@');
              expect(repo).toBe(`${STAGING_REGISTRY}/${container.name}`);
              expect(isDigest(pinned ?? '')).toBe(true);
            }
          },
        ),
      );
    });
  });

  describe('Function: stagedTaskDefinitionTags', () => {
    it('tags the source, the hash and the clone version when known', () => {
      // Act
      const tags = stagedTaskDefinitionTags({
        sourceTaskDefinitionArn: 'arn:src',
        hash: 'h',
        cloneVersion: 3,
      });

      // Assert
      expect(tags).toEqual([
        { name: 'understudy:source-arn', value: 'arn:src' },
        { name: 'understudy:content-hash', value: 'h' },
        { name: 'understudy:clone-version', value: '3' },
      ]);
    });
  });

  describe('Function: reusableRevision', () => {
    it('returns the newest ACTIVE revision with the same hash', () => {
      // Arrange
      const revisions = [
        { taskDefinitionArn: 'f:1', revision: 1, status: 'ACTIVE', hash: 'h' },
        { taskDefinitionArn: 'f:3', revision: 3, status: 'INACTIVE', hash: 'h' },
        { taskDefinitionArn: 'f:2', revision: 2, status: 'ACTIVE', hash: 'h' },
        { taskDefinitionArn: 'f:4', revision: 4, status: 'ACTIVE', hash: 'other' },
      ];

      // Act / Assert
      expect(reusableRevision(revisions, 'h')).toBe('f:2');
      expect(reusableRevision(revisions, 'none')).toBeUndefined();
    });
  });

  describe('Function: rewriteForStaging (same account and region)', () => {
    it('keeps a role that is valid in staging without a mapping', () => {
      // Arrange
      const same = mappings({
        staging: { account: '111111111111', region: 'eu-west-1' },
        roles: {},
      });
      const spec: TaskDefinitionSpec = {
        family: 'f',
        executionRoleArn: SRC_EXEC_ROLE,
        containerDefinitions: [{ name: 'web', image: 'x' }],
      };

      // Act
      const staged = rewriteForStaging(spec, same, stagedImages());

      // Assert
      expect(staged.executionRoleArn).toBe(SRC_EXEC_ROLE);
    });
  });
});

describe('Module: clone/task-definition (lossless)', () => {
  const router = {
    name: 'envoy',
    image: 'x',
    firelensConfiguration: { type: 'fluentbit', options: { 'enable-ecs-log-metadata': 'true' } },
  };

  describe('Function: rewriteTaskDefinition', () => {
    it('carries every field the old model dropped, byte for byte', () => {
      // Arrange
      const spec: TaskDefinitionSpec = {
        family: 'f',
        networkMode: 'bridge',
        placementConstraints: [{ type: 'memberOf', expression: 'attribute:ecs.os-type == linux' }],
        proxyConfiguration: {
          type: 'APPMESH',
          containerName: 'envoy',
          properties: [{ name: 'IgnoredUID', value: '1337' }],
        },
        volumes: [{ name: 'data', host: { sourcePath: '/var/data' } }],
        containerDefinitions: [
          {
            name: 'web',
            image: 'x',
            mountPoints: [{ sourceVolume: 'data', containerPath: '/data', readOnly: true }],
            volumesFrom: [{ sourceContainer: 'envoy', readOnly: true }],
            ulimits: [{ name: 'nofile', softLimit: 65536, hardLimit: 65536 }],
            dockerLabels: { team: 'shop' },
            resourceRequirements: [{ type: 'GPU', value: '1' }],
            stopTimeout: 30,
            workingDirectory: '/srv',
            systemControls: [{ namespace: 'net.core.somaxconn', value: '1024' }],
            restartPolicy: { enabled: true, ignoredExitCodes: [0], restartAttemptPeriod: 60 },
            logConfiguration: { logDriver: 'awsfirelens' },
          },
          router,
        ],
      };

      // Act
      const { spec: staged, rewrites } = rewriteTaskDefinition(spec, mappings(), stagedImages());

      // Assert: only the images changed, and each change is recorded.
      expect(staged).toEqual({
        ...spec,
        containerDefinitions: [
          { ...spec.containerDefinitions[0], image: expect.stringContaining('@sha256:') },
          { ...router, image: expect.stringContaining('@sha256:') },
        ],
      });
      expect(rewrites.map((rewrite) => [rewrite.path, rewrite.from, rewrite.rule])).toEqual([
        ['containerDefinitions[web].image', 'x', 'image'],
        ['containerDefinitions[envoy].image', 'x', 'image'],
      ]);
    });

    it('records each rewrite as {path, from, to, rule}', () => {
      // Arrange
      const spec = stripAwsFilledFields(sourceTaskDefinition());

      // Act
      const { rewrites } = rewriteTaskDefinition(spec, mappings(), stagedImages());

      // Assert
      expect(rewrites).toContainEqual({
        path: 'executionRoleArn',
        from: SRC_EXEC_ROLE,
        to: STG_EXEC_ROLE,
        rule: 'roles',
      });
      expect(rewrites).toContainEqual({
        path: 'containerDefinitions[web].secrets[DB_PASSWORD].valueFrom',
        from: `${SRC_SECRET}:password::`,
        to: `${STG_SECRET}:password::`,
        rule: 'secrets',
      });
      expect(rewrites).toContainEqual({
        path: 'containerDefinitions[web].environment[ORDERS_QUEUE].value',
        from: expect.stringContaining(':sqs:eu-west-1:'),
        to: STG_QUEUE,
        rule: 'arns',
      });
    });

    it('refuses awsfirelens without a FireLens container, as ECS does', () => {
      // Arrange
      const spec: TaskDefinitionSpec = {
        family: 'f',
        containerDefinitions: [
          { name: 'web', image: 'x', logConfiguration: { logDriver: 'awsfirelens' } },
        ],
      };

      // Act
      const error = rewriteError(() => rewriteTaskDefinition(spec, mappings(), stagedImages()));

      // Assert
      expect(error.issues).toEqual([
        expect.stringMatching(
          /^containerDefinitions\[web\]\.logConfiguration\.logDriver: awsfirelens needs a container with firelensConfiguration/,
        ),
      ]);
    });

    it('refuses a mount of a volume, and volumes from a container, the task does not define', () => {
      // Arrange
      const spec: TaskDefinitionSpec = {
        family: 'f',
        containerDefinitions: [
          {
            name: 'web',
            image: 'x',
            mountPoints: [{ sourceVolume: 'efs-data', containerPath: '/data' }],
            volumesFrom: [{ sourceContainer: 'sidecar' }],
          },
        ],
      };

      // Act
      const error = rewriteError(() => rewriteTaskDefinition(spec, mappings(), stagedImages()));

      // Assert
      expect(error.issues).toEqual([
        'containerDefinitions[web].mountPoints[efs-data]: sourceVolume efs-data is not a volume of the task definition',
        'containerDefinitions[web].volumesFrom[sidecar]: sourceContainer sidecar is not a container of the task definition',
      ]);
    });

    it('stages an EFS volume with its mounts and the file system mapped', () => {
      // Arrange
      const spec: TaskDefinitionSpec = {
        family: 'f',
        volumes: [
          {
            name: 'efs-data',
            efsVolumeConfiguration: {
              fileSystemId: 'fs-src',
              transitEncryption: 'ENABLED',
              authorizationConfig: { accessPointId: 'fsap-src', iam: 'ENABLED' },
            },
          },
        ],
        containerDefinitions: [
          {
            name: 'web',
            image: 'x',
            mountPoints: [{ sourceVolume: 'efs-data', containerPath: '/data' }],
          },
        ],
      };

      // Act
      const { spec: staged, rewrites } = rewriteTaskDefinition(
        spec,
        mappings({ fileSystems: { 'fs-src': 'fs-stg', 'fsap-src': 'fsap-stg' } }),
        stagedImages(),
      );

      // Assert
      expect(staged.volumes).toEqual([
        {
          name: 'efs-data',
          efsVolumeConfiguration: {
            fileSystemId: 'fs-stg',
            transitEncryption: 'ENABLED',
            authorizationConfig: { accessPointId: 'fsap-stg', iam: 'ENABLED' },
          },
        },
      ]);
      expect(staged.containerDefinitions[0]?.mountPoints).toEqual([
        { sourceVolume: 'efs-data', containerPath: '/data' },
      ]);
      expect(rewrites.map((rewrite) => rewrite.rule).sort()).toEqual([
        'fileSystems',
        'fileSystems',
        'image',
      ]);
    });

    it('refuses primary repository credentials with no mapping, naming the config key', () => {
      // Arrange
      const credentials = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:dockerhub-AbCdEf';
      const spec: TaskDefinitionSpec = {
        family: 'f',
        containerDefinitions: [
          { name: 'web', image: 'x', repositoryCredentials: { credentialsParameter: credentials } },
        ],
      };

      // Act
      const error = rewriteError(() => rewriteTaskDefinition(spec, mappings(), stagedImages()));

      // Assert
      expect(error.issues).toEqual([
        `containerDefinitions[web].repositoryCredentials.credentialsParameter: ${credentials} belongs to the primary (111111111111/eu-west-1) and has no mapping in secrets`,
      ]);
    });

    it('refuses a field it has no rule for instead of dropping it', () => {
      // Arrange: what a newer ECS field would look like arriving at this model.
      const spec = {
        family: 'f',
        futureSetting: { on: true },
        containerDefinitions: [{ name: 'web', image: 'x' }],
      } as unknown as TaskDefinitionSpec;

      // Act
      const error = rewriteError(() => rewriteTaskDefinition(spec, mappings(), stagedImages()));

      // Assert
      expect(error.issues).toEqual([
        'futureSetting: is not a field this version of Understudy can clone',
      ]);
    });
  });

  describe('Function: taskDefinitionHash', () => {
    it('changes when a field the old model dropped changes', () => {
      // Arrange
      const base: TaskDefinitionSpec = {
        family: 'f',
        containerDefinitions: [
          {
            name: 'web',
            image: 'x',
            ulimits: [{ name: 'nofile', softLimit: 1024, hardLimit: 1024 }],
          },
        ],
      };
      const raised: TaskDefinitionSpec = {
        ...base,
        containerDefinitions: [
          {
            name: 'web',
            image: 'x',
            ulimits: [{ name: 'nofile', softLimit: 65536, hardLimit: 65536 }],
          },
        ],
      };

      // Act / Assert
      expect(taskDefinitionHash(raised)).not.toBe(taskDefinitionHash(base));
      expect(
        taskDefinitionHash({ ...base, proxyConfiguration: { containerName: 'web' } }),
      ).not.toBe(taskDefinitionHash(base));
    });
  });
});
