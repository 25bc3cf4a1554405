// The real service-definition corpus (test/fixtures/ecs/services, 12 services written by others)
// through the AWS ECS adapter: each is what DescribeServices returns (CreateService-shaped files
// are given the shape ECS describes them in: Service Connect and launch-time volumes on the
// PRIMARY deployment, `role` as `roleArn`), it is translated for staging by the real rules, and
// the CreateService request the adapter sends must carry every copied field unchanged and every
// mapped one mapped — or the clone is refused with a reason naming what to configure.
import {
  CreateServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  type Service,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { EcsContainerPlatform } from '../../functions/adapters/aws/ecs-container-platform';
import { CloneValidationError } from '../../functions/core/clone/errors';
import type { CloneMappings } from '../../functions/core/clone/mappings';
import {
  buildStagingServiceSpec,
  stagingServiceName,
} from '../../functions/core/clone/service-definition';
import type { TaskDefinitionSpec } from '../../functions/core/model';
import { CORPUS_PRIMARY, corpusMappings, serviceCorpus } from '../support/ecs-corpus';

const ecs = mockClient(ECSClient);
const STAGED_TD = 'arn:aws:ecs:eu-central-1:222222222222:task-definition/staged:1';

afterEach(() => {
  ecs.reset();
});

type Json = Record<string, unknown>;

/** A corpus file as DescribeServices reports it. */
function asDescribed(file: string, json: Json): Service {
  if (json.serviceArn) return json as unknown as Service;
  const { serviceConnectConfiguration, volumeConfigurations, role, cluster, ...rest } = json;
  const taskDefinition = String(json.taskDefinition ?? `${file.slice(0, 3)}-task:1`);
  return {
    ...(rest as Service),
    // ecspresso files leave cluster, name and task definition to its config: fill them in.
    serviceName: String(json.serviceName ?? `corpus-${file.slice(0, 3)}`),
    clusterArn: `arn:aws:ecs:${CORPUS_PRIMARY.region}:${CORPUS_PRIMARY.account}:cluster/${String(cluster ?? 'default')}`,
    taskDefinition,
    status: 'ACTIVE',
    ...(role ? { roleArn: String(role) } : {}),
    deployments: [
      {
        id: 'ecs-svc/1',
        status: 'PRIMARY',
        taskDefinition,
        ...(serviceConnectConfiguration
          ? { serviceConnectConfiguration: serviceConnectConfiguration as Json }
          : {}),
        ...(volumeConfigurations ? { volumeConfigurations: volumeConfigurations as Json[] } : {}),
      },
    ],
  } as Service;
}

/** Every string in `value` that matches `pattern`. */
function collect(value: unknown, pattern: RegExp, out = new Set<string>()): Set<string> {
  if (typeof value === 'string' && pattern.test(value)) out.add(value);
  else if (Array.isArray(value)) for (const item of value) collect(item, pattern, out);
  else if (value && typeof value === 'object') {
    for (const item of Object.values(value)) collect(item, pattern, out);
  }
  return out;
}

/**
 * The config an operator would write for these services: a staging target group for each
 * primary one, staging subnets, the security-group copies the network step makes, and staging
 * twins of the Cloud Map registries and custom capacity providers.
 */
function serviceMappings(json: Json): CloneMappings {
  const table = (values: Set<string>, to: (value: string, index: number) => string) =>
    Object.fromEntries([...values].map((value, index) => [value, to(value, index)]));
  return {
    ...corpusMappings(),
    stagingSubnets: ['subnet-0staging0000000001'],
    targetGroups: table(
      collect(json, /:targetgroup\//),
      (_, i) =>
        `arn:aws:elasticloadbalancing:eu-central-1:222222222222:targetgroup/staged-${i}/0123456789abcdef`,
    ),
    serviceRegistries: table(
      collect(json, /:servicediscovery:.*:service\//),
      (_, i) => `arn:aws:servicediscovery:eu-central-1:222222222222:service/srv-staged${i}`,
    ),
    capacityProviders: Object.fromEntries(
      ((json.capacityProviderStrategy as { capacityProvider: string }[] | undefined) ?? [])
        .filter((item) => !item.capacityProvider.startsWith('FARGATE'))
        .map((item) => [item.capacityProvider, `staged-${item.capacityProvider}`]),
    ),
  };
}

/** A staged task definition exposing the containers and ports the service binds. */
function stagedTaskDefinition(json: Json): TaskDefinitionSpec {
  const bindings = (json.loadBalancers as { containerName: string; containerPort: number }[]) ?? [];
  const names = [...new Set(bindings.map((binding) => binding.containerName))];
  return {
    family: 'staged',
    containerDefinitions: (names.length ? names : ['app']).map((name) => ({
      name,
      image: 'x',
      portMappings: bindings
        .filter((binding) => binding.containerName === name)
        .map((binding) => ({ containerPort: binding.containerPort })),
    })),
  };
}

const empty = (value: unknown) =>
  value === undefined ||
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === 'object' && value !== null && Object.keys(value).length === 0);

/** Fields that hold nothing account- or region-specific: the copy must equal the source. */
const COPIED = [
  'platformVersion',
  'deploymentConfiguration',
  'deploymentController',
  'placementConstraints',
  'placementStrategy',
  'schedulingStrategy',
  'enableExecuteCommand',
  'propagateTags',
  'enableECSManagedTags',
  'healthCheckGracePeriodSeconds',
  'availabilityZoneRebalancing',
] as const;

/** The corpus services the clone refuses, with why. */
const EXPECTED_REFUSALS: Readonly<Record<string, RegExp>> = {
  '013-awscli-classic-elb-service-role.json':
    /^loadBalancers\[EC2Contai-EcsElast-123456789012\]: a Classic Load Balancer binding is not cloned/,
};

describe('Corpus: real service definitions through the ECS adapter (aws-sdk-client-mock)', () => {
  it('holds the 12 services SOURCES.md lists', () => {
    expect(serviceCorpus()).toHaveLength(12);
  });

  it.each(serviceCorpus().map((entry) => [entry.file, entry.json] as const))(
    '%s: the CreateService request carries every copied field, mapped where it must be',
    async (file, json) => {
      // Arrange
      const described = asDescribed(file, json);
      ecs.on(DescribeServicesCommand).resolves({ services: [described], failures: [] });
      ecs.on(CreateServiceCommand).resolves({ service: described });
      const platform = new EcsContainerPlatform(new ECSClient({ region: 'eu-central-1' }));
      const source = await platform.describeService('default', String(described.serviceName));
      const groups = collect(json, /^sg-/);

      // Act
      let spec: ReturnType<typeof buildStagingServiceSpec> | undefined;
      let issues: readonly string[] = [];
      try {
        spec = buildStagingServiceSpec({
          source,
          taskDefinition: stagedTaskDefinition(json),
          taskDefinitionArn: STAGED_TD,
          mappings: serviceMappings(json),
          groupCopies: Object.fromEntries([...groups].map((group) => [group, `${group}-staged`])),
        });
      } catch (error) {
        if (!(error instanceof CloneValidationError)) throw error;
        issues = error.issues;
      }

      // Assert
      const refusal = EXPECTED_REFUSALS[file];
      if (!spec) {
        expect(issues).toEqual([expect.stringMatching(refusal ?? /^$/)]);
        return;
      }
      expect(refusal).toBeUndefined();
      await platform.createService(spec);
      const sent = JSON.parse(
        JSON.stringify(ecs.commandCalls(CreateServiceCommand)[0]?.args[0].input),
      ) as Json;
      const origin = JSON.parse(JSON.stringify(described)) as Json;
      for (const field of COPIED) {
        if (empty(origin[field])) continue;
        expect({ field, value: sent[field] }).toEqual({ field, value: origin[field] });
      }
      expect(sent.serviceName).toBe(stagingServiceName(source.cluster, source.serviceName));
      expect(sent.taskDefinition).toBe(STAGED_TD);
      const primary = (origin.deployments as Json[] | undefined)?.find(
        (deployment) => deployment.status === 'PRIMARY',
      );
      const connect = primary?.serviceConnectConfiguration as Json | undefined;
      if (connect?.enabled) {
        expect((sent.serviceConnectConfiguration as Json).services).toEqual(connect.services);
      }
      const volumes = primary?.volumeConfigurations as Json[] | undefined;
      if (volumes?.length) {
        expect((sent.volumeConfigurations as Json[]).map((volume) => volume.name)).toEqual(
          volumes.map((volume) => volume.name),
        );
      }
      for (const key of ['loadBalancers', 'serviceRegistries', 'capacityProviderStrategy']) {
        const before = origin[key] as unknown[] | undefined;
        if (!empty(before)) expect(sent[key]).toHaveLength(before?.length ?? 0);
      }
      const userTags = ((origin.tags as { key: string }[] | undefined) ?? []).filter(
        (tag) => !tag.key.startsWith('aws:'),
      );
      for (const tag of userTags) expect(sent.tags).toContainEqual(tag);
    },
  );
});
