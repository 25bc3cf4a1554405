import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, loadConfig } from '../../lib/config';
import { pipelineSettingsOf } from '../../lib/pipeline-settings';
import { sampleConfig, testApp } from './support';

const STAGING = { account: '222222222222', region: 'eu-central-1' };
const CENTRAL = { account: '333333333333', region: 'eu-west-1' };

/** The sample configuration with public ECR, Docker Hub and a central registry configured. */
function withImages() {
  return {
    ...sampleConfig(),
    images: {
      centralRegistries: [CENTRAL],
      pullThroughCache: [
        { upstreamRegistryUrl: 'public.ecr.aws', ecrRepositoryPrefix: 'ecr-public' },
        {
          upstreamRegistryUrl: 'registry-1.docker.io',
          ecrRepositoryPrefix: 'docker-hub',
          credentialSecret: 'ecr-pullthroughcache/docker-hub',
        },
      ],
    },
  };
}

/** Statements of the IAM policies attached to the role whose logical id contains `role`. */
function statementsOf(template: Template, role: string): Record<string, unknown>[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(role))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]);
}

function violationsOf(stack: Stack): string[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} (${v.severity}) at ${r.constructPath}`),
  );
}

describe('Class: ImageSources', () => {
  describe('Method: constructor', () => {
    it('expects no pull-through cache rule and no cache grants by default', () => {
      // Arrange
      const template = Template.fromStack(testApp().staging);

      // Assert
      template.resourceCountIs('AWS::ECR::PullThroughCacheRule', 0);
      const sids = statementsOf(template, 'CopyImages').map((statement) => statement.Sid);
      expect(sids).not.toContain('ImportThroughPullThroughCache');
      expect(sids).not.toContain('ReadCentralRegistries');
    });

    it('expects one pull-through cache rule per configured upstream, credentials as the secret ARN', () => {
      // Arrange
      const template = Template.fromStack(testApp(withImages()).staging);

      // Assert
      template.resourceCountIs('AWS::ECR::PullThroughCacheRule', 2);
      template.hasResourceProperties('AWS::ECR::PullThroughCacheRule', {
        EcrRepositoryPrefix: 'ecr-public',
        UpstreamRegistryUrl: 'public.ecr.aws',
        UpstreamRegistry: 'ecr-public',
        CredentialArn: Match.absent(),
      });
      template.hasResourceProperties('AWS::ECR::PullThroughCacheRule', {
        EcrRepositoryPrefix: 'docker-hub',
        UpstreamRegistryUrl: 'registry-1.docker.io',
        UpstreamRegistry: 'docker-hub',
        CredentialArn: `arn:aws:secretsmanager:${STAGING.region}:${STAGING.account}:secret:ecr-pullthroughcache/docker-hub`,
      });
    });
  });

  describe('Method: grantCopy', () => {
    it('expects the copy step to import through each prefix and read each central registry, nothing wider', () => {
      // Arrange
      const template = Template.fromStack(testApp(withImages()).staging);

      // Act
      const statements = statementsOf(template, 'CopyImages');

      // Assert
      expect(statements).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Sid: 'ImportThroughPullThroughCache',
            Action: [
              'ecr:BatchCheckLayerAvailability',
              'ecr:BatchGetImage',
              'ecr:BatchImportUpstreamImage',
              'ecr:CreateRepository',
              'ecr:GetDownloadUrlForLayer',
            ],
            Resource: [
              `arn:aws:ecr:${STAGING.region}:${STAGING.account}:repository/docker-hub/*`,
              `arn:aws:ecr:${STAGING.region}:${STAGING.account}:repository/ecr-public/*`,
            ],
          }),
          expect.objectContaining({
            Sid: 'ReadCentralRegistries',
            Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
            Resource: `arn:aws:ecr:${CENTRAL.region}:${CENTRAL.account}:repository/*`,
          }),
        ]),
      );
    });
  });

  describe('Method: grantDeleteCached', () => {
    it('expects retention to delete only in the cache prefixes beyond the managed repositories', () => {
      // Arrange
      const template = Template.fromStack(testApp(withImages()).staging);

      // Act
      const statement = statementsOf(template, 'Retention').find(
        (candidate) => candidate.Sid === 'DeleteUnreferencedCachedImages',
      );

      // Assert
      expect(statement?.Action).toBe('ecr:BatchDeleteImage');
      expect(JSON.stringify(statement?.Resource)).toContain(':repository/ecr-public/*');
      expect(JSON.stringify(statement?.Resource)).toContain(':repository/docker-hub/*');
    });
  });

  describe('Method: cdk-nag', () => {
    it('expects no unacknowledged finding with image sources configured', () => {
      // Arrange
      const built = testApp(withImages());

      // Act
      const violations = [built.observer, built.staging].flatMap(violationsOf);

      // Assert
      expect(violations).toEqual([]);
    });
  });
});

describe('Function: loadConfig (images)', () => {
  it('expects images empty by default and carried into the pipeline settings when set', () => {
    // Act
    const plain = pipelineSettingsOf(loadConfig(sampleConfig()));
    const configured = pipelineSettingsOf(loadConfig(withImages()));

    // Assert
    expect(plain.images).toEqual({ centralRegistries: [], pullThroughCache: [] });
    expect(configured.images).toEqual({
      centralRegistries: [CENTRAL],
      // The secret stays with the CDK app: ECR's service-linked role reads it, no Lambda does.
      pullThroughCache: [
        { upstreamRegistryUrl: 'public.ecr.aws', ecrRepositoryPrefix: 'ecr-public' },
        { upstreamRegistryUrl: 'registry-1.docker.io', ecrRepositoryPrefix: 'docker-hub' },
      ],
    });
  });

  it.each([
    [
      'an upstream ECR cannot cache',
      { upstreamRegistryUrl: 'mcr.microsoft.com', ecrRepositoryPrefix: 'mcr' },
      'understudy.images.pullThroughCache[0].upstreamRegistryUrl: "mcr.microsoft.com" is not an upstream',
    ],
    [
      'Docker Hub without credentials',
      { upstreamRegistryUrl: 'registry-1.docker.io', ecrRepositoryPrefix: 'docker-hub' },
      'understudy.images.pullThroughCache[0].credentialSecret: ECR requires upstream credentials for registry-1.docker.io',
    ],
    [
      'a secret ECR cannot read',
      {
        upstreamRegistryUrl: 'ghcr.io',
        ecrRepositoryPrefix: 'ghcr',
        credentialSecret: 'github-token',
      },
      'understudy.images.pullThroughCache[0].credentialSecret: must be a secret name (or ARN) starting with "ecr-pullthroughcache/"',
    ],
    [
      'a prefix ECR rejects',
      { upstreamRegistryUrl: 'public.ecr.aws', ecrRepositoryPrefix: 'E' },
      'understudy.images.pullThroughCache[0].ecrRepositoryPrefix: must be 2-30 characters',
    ],
  ])('rejects %s, naming the key', (_what, rule, expected) => {
    // Arrange
    const raw = { ...sampleConfig(), images: { pullThroughCache: [rule] } };

    // Act
    let error: unknown;
    try {
      loadConfig(raw);
    } catch (caught) {
      error = caught;
    }

    // Assert
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.join('\n')).toContain(expected);
  });

  it('rejects two rules on one prefix', () => {
    // Arrange
    const raw = {
      ...sampleConfig(),
      images: {
        pullThroughCache: [
          { upstreamRegistryUrl: 'public.ecr.aws', ecrRepositoryPrefix: 'cache' },
          { upstreamRegistryUrl: 'quay.io', ecrRepositoryPrefix: 'cache' },
        ],
      },
    };

    // Act + Assert
    expect(() => loadConfig(raw)).toThrow(ConfigError);
    try {
      loadConfig(raw);
    } catch (error) {
      expect((error as ConfigError).issues).toContain(
        'understudy.images.pullThroughCache[1].ecrRepositoryPrefix: "cache" is already used by pullThroughCache[0]',
      );
    }
  });
});
