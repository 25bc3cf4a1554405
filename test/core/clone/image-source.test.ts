import {
  DOCKER_HUB,
  digestsOfRunningTasks,
  digestsOfServiceRevisions,
  type ImageSourceSettings,
  parseEcrHost,
  parseImageName,
  routeImage,
} from '../../../functions/core/clone/image-source';

const A = `sha256:${'a'.repeat(64)}` as const;
const B = `sha256:${'b'.repeat(64)}` as const;
const PRIMARY = '111111111111.dkr.ecr.eu-west-1.amazonaws.com';
const CENTRAL = '333333333333.dkr.ecr.us-east-1.amazonaws.com';

const settings: ImageSourceSettings = {
  primaryRegistry: PRIMARY,
  centralRegistries: [{ account: '333333333333', region: 'us-east-1' }],
  pullThroughCache: [
    { upstreamRegistryUrl: 'public.ecr.aws', ecrRepositoryPrefix: 'ecr-public' },
    { upstreamRegistryUrl: DOCKER_HUB, ecrRepositoryPrefix: 'docker-hub' },
  ],
};

describe('Function: parseImageName', () => {
  it.each([
    ['nginx', { host: DOCKER_HUB, repository: 'library/nginx' }],
    ['nginx:1.27', { host: DOCKER_HUB, repository: 'library/nginx', tag: '1.27' }],
    ['grafana/agent:v0.40', { host: DOCKER_HUB, repository: 'grafana/agent', tag: 'v0.40' }],
    ['docker.io/library/redis:7', { host: DOCKER_HUB, repository: 'library/redis', tag: '7' }],
    ['docker.io/redis', { host: DOCKER_HUB, repository: 'library/redis' }],
    [
      'public.ecr.aws/aws-observability/aws-for-fluent-bit:stable',
      {
        host: 'public.ecr.aws',
        repository: 'aws-observability/aws-for-fluent-bit',
        tag: 'stable',
      },
    ],
    [
      `ghcr.io/open-telemetry/opentelemetry-collector:0.99@${A}`,
      {
        host: 'ghcr.io',
        repository: 'open-telemetry/opentelemetry-collector',
        tag: '0.99',
        digest: A,
      },
    ],
    ['localhost:5000/app', { host: 'localhost:5000', repository: 'app' }],
    [`${PRIMARY}/shop/web@${A}`, { host: PRIMARY, repository: 'shop/web', digest: A }],
  ])('splits %s Docker’s way', (image, expected) => {
    expect(parseImageName(image)).toEqual(expected);
  });

  it.each(['', 'two words', `${PRIMARY}/web@sha256:short`, `${PRIMARY}/`, 'repo:'])(
    'refuses the malformed %p',
    (image) => {
      expect(parseImageName(image)).toBeUndefined();
    },
  );
});

describe('Function: parseEcrHost', () => {
  it('reads account and region of private ECR hosts only', () => {
    expect(parseEcrHost(PRIMARY)).toEqual({ account: '111111111111', region: 'eu-west-1' });
    expect(parseEcrHost('111111111111.dkr.ecr-fips.us-gov-west-1.amazonaws.com')).toEqual({
      account: '111111111111',
      region: 'us-gov-west-1',
    });
    expect(parseEcrHost('public.ecr.aws')).toBeUndefined();
  });
});

describe('Function: routeImage', () => {
  it('copies primary and central images under their own repository name', () => {
    expect(routeImage(PRIMARY, 'shop/web', settings)).toEqual({
      ok: true,
      route: { kind: 'primary', registry: PRIMARY, repository: 'shop/web' },
    });
    expect(routeImage(CENTRAL, 'platform/envoy', settings)).toEqual({
      ok: true,
      route: {
        kind: 'central',
        registry: CENTRAL,
        account: '333333333333',
        region: 'us-east-1',
        repository: 'platform/envoy',
      },
    });
  });

  it('imports public and Docker Hub images through the cache prefix of their rule', () => {
    expect(routeImage('public.ecr.aws', 'xray/aws-xray-daemon', settings)).toEqual({
      ok: true,
      route: {
        kind: 'pull-through',
        registry: 'public.ecr.aws',
        repository: 'xray/aws-xray-daemon',
        cacheRepository: 'ecr-public/xray/aws-xray-daemon',
      },
    });
    const hub = routeImage(DOCKER_HUB, 'library/nginx', settings);
    expect(hub.ok && hub.route.kind === 'pull-through' && hub.route.cacheRepository).toBe(
      'docker-hub/library/nginx',
    );
  });

  it.each([
    [
      'an unlisted ECR registry',
      '444444444444.dkr.ecr.eu-west-1.amazonaws.com',
      'add { "account": "444444444444", "region": "eu-west-1" } to images.centralRegistries',
    ],
    [
      'a supported upstream with no rule',
      'ghcr.io',
      'ghcr.io has no pull-through cache rule: add { "upstreamRegistryUrl": "ghcr.io", "ecrRepositoryPrefix": "…", "credentialSecret": "ecr-pullthroughcache/…" } to images.pullThroughCache',
    ],
    [
      'a registry ECR cannot cache',
      'mcr.microsoft.com',
      "mcr.microsoft.com is not a registry ECR's pull-through cache supports",
    ],
  ])('refuses %s with the key to set', (_what, host, reason) => {
    // Act
    const routed = routeImage(host, 'some/repo', settings);

    // Assert
    expect(routed.ok).toBe(false);
    expect(routed.ok ? '' : routed.reason).toContain(reason);
  });

  it('names images.centralRegistries for mcr.microsoft.com, the only way to clone it', () => {
    const routed = routeImage('mcr.microsoft.com', 'dotnet/aspnet', settings);
    expect(routed.ok ? '' : routed.reason).toContain('images.centralRegistries');
  });
});

describe('Function: digestsOfServiceRevisions', () => {
  const TD1 = 'arn:aws:ecs:eu-west-1:111111111111:task-definition/web:1';
  const TD2 = 'arn:aws:ecs:eu-west-1:111111111111:task-definition/web:2';

  it('takes the newest revision on the service’s task definition', () => {
    // Arrange: a force-new-deployment on TD2 re-resolved the tag into B
    const revisions = [
      {
        serviceRevisionArn: 'r1',
        taskDefinition: TD1,
        createdAt: '2026-01-01T00:00:00.000Z',
        containerImages: [{ containerName: 'app', imageDigest: A }],
      },
      {
        serviceRevisionArn: 'r3',
        taskDefinition: TD2,
        createdAt: '2026-01-03T00:00:00.000Z',
        containerImages: [{ containerName: 'app', imageDigest: B }, { containerName: 'log' }],
      },
      {
        serviceRevisionArn: 'r2',
        taskDefinition: TD2,
        createdAt: '2026-01-02T00:00:00.000Z',
        containerImages: [{ containerName: 'app', imageDigest: A }],
      },
    ];

    // Act + Assert
    expect(digestsOfServiceRevisions(revisions, TD2)).toEqual({ app: B });
    expect(digestsOfServiceRevisions(revisions, TD1)).toEqual({ app: A });
    expect(
      digestsOfServiceRevisions(revisions, 'arn:aws:ecs:eu-west-1:1:task-definition/x:9'),
    ).toBeUndefined();
  });
});

describe('Function: digestsOfRunningTasks', () => {
  it('takes the digest most tasks run, ties to the lowest, skipping malformed ones', () => {
    // Arrange
    const task = (app: string, log?: string) => ({
      containers: [
        { name: 'app', imageDigest: app },
        ...(log ? [{ name: 'log', imageDigest: log }] : []),
      ],
    });

    // Act
    const chosen = digestsOfRunningTasks([task(B, A), task(A), task(B, B), task('latest')]);

    // Assert
    expect(chosen).toEqual({ app: B, log: A });
    expect(digestsOfRunningTasks([])).toEqual({});
  });
});
