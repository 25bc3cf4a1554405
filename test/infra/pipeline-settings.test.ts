import { parsePipelineSettings } from '../../functions/core/prebake/settings';
import { ConfigError, loadConfig } from '../../lib/config';
import {
  freshnessWindowMinutes,
  pipelineBlockers,
  pipelineSettingsJson,
  pipelineSettingsOf,
} from '../../lib/pipeline-settings';
import { sampleConfig } from './support';

/** The ConfigError `fn` throws (fails the test when it throws nothing or something else). */
function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('Function: pipelineSettingsOf', () => {
  it('maps the sample configuration to settings parsePipelineSettings accepts', () => {
    // Arrange
    const config = loadConfig(sampleConfig());

    // Act
    const settings = pipelineSettingsOf(config);

    // Assert
    expect(parsePipelineSettings(JSON.parse(JSON.stringify(settings)))).toEqual(settings);
    expect(settings.source).toEqual({ account: '111111111111', region: 'eu-west-1' });
    expect(settings.staging).toEqual({
      account: '222222222222',
      region: 'eu-central-1',
      cluster: 'shop-failover',
      vpcId: 'vpc-0a1b2c3d4e5f60718',
      subnets: ['subnet-0a1b2c3d4e5f60719', 'subnet-0a1b2c3d4e5f6071a'],
    });
    expect(settings.fargateVcpuQuota).toBe(40);
  });

  it('carries every protected service with its sizing and dependencies', () => {
    // Act
    const settings = pipelineSettingsOf(loadConfig(sampleConfig()));

    // Assert
    expect(settings.services).toEqual([
      {
        cluster: 'shop',
        service: 'web',
        dependsOn: ['shop/api'],
        minTasks: 2,
        maxTasks: 20,
        targetUtilization: 0.6,
        capacityQuantile: 0.9,
        kmsKeys: [],
        stagingTier: 'config-only',
      },
      {
        cluster: 'shop',
        service: 'api',
        dependsOn: ['shop/worker'],
        minTasks: 2,
        maxTasks: 12,
        targetUtilization: 0.6,
        capacityQuantile: 0.9,
        kmsKeys: [],
        stagingTier: 'config-only',
      },
      {
        cluster: 'shop',
        service: 'worker',
        dependsOn: [],
        minTasks: 1,
        maxTasks: 8,
        targetUtilization: 0.6,
        capacityQuantile: 0.8,
        kmsKeys: [],
        stagingTier: 'config-only',
      },
    ]);
  });

  it('keeps the non-empty mappings and drops securityGroupVpcs (every copy goes to staging.vpcId)', () => {
    // Act
    const settings = pipelineSettingsOf(loadConfig(sampleConfig()));

    // Assert
    expect(Object.keys(settings.mappings).sort()).toEqual([
      'logGroups',
      'namespaces',
      'roles',
      'secrets',
      'securityGroups',
      'targetGroups',
    ]);
    expect(settings.mappings.roles).toEqual(sampleConfig().staging.mappings?.roles);
  });

  it('carries arns, environment overrides and generic rewrites when configured', () => {
    // Arrange
    const base = sampleConfig();
    const config = loadConfig({
      ...base,
      staging: {
        ...base.staging,
        mappings: {
          ...base.staging.mappings,
          arns: { 'snap-0123456789abcdef0': 'snap-0fedcba9876543210' },
          environment: { STAGE: 'staging' },
          rewriteRegionAndAccount: ['roles', 'logOptions'],
        },
      },
    });

    // Act
    const settings = parsePipelineSettings(
      JSON.parse(pipelineSettingsJson(pipelineSettingsOf(config))),
    );

    // Assert
    expect(settings.mappings).toMatchObject({
      arns: { 'snap-0123456789abcdef0': 'snap-0fedcba9876543210' },
      environment: { STAGE: 'staging' },
      rewriteRegionAndAccount: ['roles', 'logOptions'],
    });
  });

  it('expects the safe policy by default', () => {
    expect(pipelineSettingsOf(loadConfig(sampleConfig())).policy).toEqual({
      allowPrivileged: false,
      allowHostNetwork: false,
      allowHostPid: false,
      allowHostIpc: false,
      allowedCapabilities: [],
    });
  });

  it('uses the staging cluster, quota, registry, extra mappings and policy when configured', () => {
    // Arrange
    const raw = sampleConfig();
    const config = loadConfig({
      ...raw,
      staging: {
        ...raw.staging,
        cluster: 'failover',
        fargateVcpuQuota: 400,
        registry: 'registry.example.com',
        mappings: { ...raw.staging.mappings, fileSystems: { 'fs-1': 'fs-2' } },
      },
      policy: { allowPrivileged: true, allowedCapabilities: ['NET_ADMIN'] },
    });

    // Act
    const settings = pipelineSettingsOf(config);

    // Assert
    expect(settings.staging).toMatchObject({
      cluster: 'failover',
      registry: 'registry.example.com',
    });
    expect(settings.fargateVcpuQuota).toBe(400);
    expect(settings.mappings.fileSystems).toEqual({ 'fs-1': 'fs-2' });
    expect(settings.policy).toMatchObject({
      allowPrivileged: true,
      allowedCapabilities: ['NET_ADMIN'],
    });
  });

  it('names understudy.services when services are found by a selector', () => {
    // Arrange
    const { services: _unused, ...raw } = sampleConfig();
    const config = loadConfig({
      ...raw,
      serviceSelector: { tagKey: 'understudy', tagValue: 'on' },
    });

    // Act
    const error = configErrorOf(() => pipelineSettingsOf(config));

    // Assert
    expect(error.issues).toEqual([expect.stringMatching(/^understudy\.services: /)]);
    expect(pipelineBlockers(config)).toEqual(error.issues);
  });

  it('names understudy.staging.vpcId when no staging VPC is configured', () => {
    // Arrange
    const raw = sampleConfig();
    const { vpcId: _unused, ...staging } = raw.staging;
    const config = loadConfig({
      ...raw,
      staging: { ...staging, mappings: { ...raw.staging.mappings, securityGroupVpcs: {} } },
    });

    // Act
    const error = configErrorOf(() => pipelineSettingsOf(config));

    // Assert
    expect(error.issues).toEqual([expect.stringMatching(/^understudy\.staging\.vpcId: /)]);
  });
});

describe('Function: pipelineSettingsJson', () => {
  it('returns the settings as JSON the runtime parses back to the same settings', () => {
    // Arrange
    const settings = pipelineSettingsOf(loadConfig(sampleConfig()));

    // Act
    const text = pipelineSettingsJson(settings);

    // Assert
    expect(parsePipelineSettings(text)).toEqual(settings);
  });
});

describe('Function: loadConfig (pipeline keys)', () => {
  it('expects the integrity check every 15 minutes and the default staging cluster by default', () => {
    // Arrange
    const raw = sampleConfig();
    const { cluster: _cluster, fargateVcpuQuota: _quota, ...staging } = raw.staging;
    const { integrityCheckSchedule: _schedule, ...rest } = raw;

    // Act
    const config = loadConfig({ ...rest, staging });

    // Assert
    expect(config.integrityCheckSchedule).toBe('rate(15 minutes)');
    expect(config.staging.cluster).toBe('understudy-staging');
    expect(config.staging.fargateVcpuQuota).toBe(6);
  });

  it('names a securityGroupVpcs target other than staging.vpcId', () => {
    // Arrange
    const raw = sampleConfig();

    // Act
    const error = configErrorOf(() =>
      loadConfig({
        ...raw,
        staging: {
          ...raw.staging,
          mappings: {
            ...raw.staging.mappings,
            securityGroupVpcs: { 'vpc-01234567': 'vpc-0fedcba9' },
          },
        },
      }),
    );

    // Assert
    expect(error.issues).toEqual([
      'understudy.staging.mappings.securityGroupVpcs.vpc-01234567: vpc-0fedcba9 is not staging.vpcId (vpc-0a1b2c3d4e5f60718): copied security groups are created in staging.vpcId only',
    ]);
  });

  it('names a malformed integrity check schedule', () => {
    // Act
    const error = configErrorOf(() =>
      loadConfig({ ...sampleConfig(), integrityCheckSchedule: 'rate(15 minute)' }),
    );

    // Assert
    expect(error.issues).toEqual([
      expect.stringMatching(/^understudy\.integrityCheckSchedule: malformed rate/),
    ]);
  });
});

describe('Function: freshnessWindowMinutes', () => {
  it.each([
    [60, 'rate(15 minutes)', 60],
    [10, 'rate(15 minutes)', 15],
    [30, 'rate(2 hours)', 120],
    [30, 'cron(0/5 * * * ? *)', 30],
  ])(
    'expects a %i-minute target with %s to give a %i-minute window',
    (target, schedule, window) => {
      // Arrange
      const config = loadConfig({
        ...sampleConfig(),
        freshnessTargetMinutes: target,
        integrityCheckSchedule: schedule,
      });

      // Act
      const minutes = freshnessWindowMinutes(config);

      // Assert
      expect(minutes).toBe(window);
    },
  );
});
