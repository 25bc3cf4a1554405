/**
 * Where a container image comes from and how it reaches staging: the primary's ECR (copied by
 * digest), a central ECR account (copied by digest, read cross-account with the copy step's own
 * role), or a public/third-party registry (imported by digest through an ECR pull-through cache
 * rule in staging). Anything else is refused with the configuration key that would fix it.
 *
 * Also which digest to clone: the one the running deployment pinned (ECS service revisions or
 * the running tasks record it), never a tag re-resolved at clone time — a moved `:latest` must
 * not stage an image production is not running.
 */
import { type Digest, isDigest } from '../model';

/** An image name as a container definition writes it, split Docker's way. */
export interface ParsedImageName {
  /**
   * Registry host, normalised: Docker Hub (`docker.io`, `index.docker.io`, no host at all) is
   * `registry-1.docker.io`, the URL ECR's pull-through cache names it by.
   */
  readonly host: string;
  /** Repository path; Docker Hub official images carry their implicit `library/`. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: Digest;
}

/** Docker Hub's registry URL as ECR's pull-through cache rules name it. */
export const DOCKER_HUB = 'registry-1.docker.io';

const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', DOCKER_HUB]);

/**
 * Splits `[host/]repo[:tag][@sha256:…]` the way Docker resolves it: the first path component is
 * a registry host only when it contains `.` or `:` or is `localhost`; otherwise the image is on
 * Docker Hub (`nginx` → `registry-1.docker.io/library/nginx`). Undefined when malformed.
 */
export function parseImageName(image: string): ParsedImageName | undefined {
  const trimmed = image.trim();
  if (trimmed === '' || /\s/.test(trimmed)) return undefined;
  let rest = trimmed;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const reference = rest.slice(at + 1);
    if (!isDigest(reference)) return undefined;
    digest = reference;
    rest = rest.slice(0, at);
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  const hasHost =
    slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  let host = hasHost ? first.toLowerCase() : DOCKER_HUB;
  let path = hasHost ? rest.slice(slash + 1) : rest;
  let tag: string | undefined;
  const colon = path.lastIndexOf(':');
  if (colon > path.lastIndexOf('/')) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (tag === '') return undefined;
  }
  if (path === '' || path.startsWith('/') || path.endsWith('/') || path.includes('//')) {
    return undefined;
  }
  if (DOCKER_HUB_ALIASES.has(host)) {
    host = DOCKER_HUB;
    if (!path.includes('/')) path = `library/${path}`;
  }
  return { host, repository: path, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** `ACCOUNT.dkr.ecr[-fips].REGION.amazonaws.com[.cn]` → its account and region. */
export function parseEcrHost(
  host: string,
): { readonly account: string; readonly region: string } | undefined {
  const match = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(host);
  if (!match?.[1] || !match[2]) return undefined;
  return { account: match[1], region: match[2] };
}

/**
 * Upstream registries ECR's pull-through cache supports, by registry URL (as
 * CreatePullThroughCacheRule's `upstreamRegistryUrl` names them), with ECR's `upstreamRegistry`
 * value and whether ECR requires a credential secret for it.
 */
export const PULL_THROUGH_UPSTREAMS: Readonly<
  Record<string, { readonly upstreamRegistry: string; readonly credentialRequired: boolean }>
> = {
  'public.ecr.aws': { upstreamRegistry: 'ecr-public', credentialRequired: false },
  [DOCKER_HUB]: { upstreamRegistry: 'docker-hub', credentialRequired: true },
  'ghcr.io': { upstreamRegistry: 'github-container-registry', credentialRequired: true },
  'registry.gitlab.com': {
    upstreamRegistry: 'gitlab-container-registry',
    credentialRequired: true,
  },
  'quay.io': { upstreamRegistry: 'quay', credentialRequired: false },
  'registry.k8s.io': { upstreamRegistry: 'k8s', credentialRequired: false },
};

/** The upstream kind of a registry URL ECR's pull-through cache accepts; undefined otherwise. */
export function pullThroughUpstream(
  url: string,
): { readonly upstreamRegistry: string; readonly credentialRequired: boolean } | undefined {
  const known = PULL_THROUGH_UPSTREAMS[url];
  if (known) return known;
  // Azure Container Registry: one host per registry.
  if (/^[a-z0-9]+\.azurecr\.io$/.test(url)) {
    return { upstreamRegistry: 'azure-container-registry', credentialRequired: true };
  }
  return undefined;
}

/** A staging pull-through cache rule as the pipeline sees it. */
export interface PullThroughCacheRuleSettings {
  /** Upstream registry URL, e.g. `public.ecr.aws`, `registry-1.docker.io`, `ghcr.io`. */
  readonly upstreamRegistryUrl: string;
  /** Staging repository prefix the rule caches under, e.g. `ecr-public`. */
  readonly ecrRepositoryPrefix: string;
}

/** Where images may come from, besides the primary's own ECR. */
export interface ImageSourceSettings {
  /** The primary's ECR registry host. */
  readonly primaryRegistry: string;
  /** Central ECR registries the copy step reads cross-account (`images.centralRegistries`). */
  readonly centralRegistries: readonly { readonly account: string; readonly region: string }[];
  /** Staging pull-through cache rules (`images.pullThroughCache`). */
  readonly pullThroughCache: readonly PullThroughCacheRuleSettings[];
}

/** How one image reaches staging. */
export type ImageRoute =
  | { readonly kind: 'primary'; readonly registry: string; readonly repository: string }
  | {
      readonly kind: 'central';
      readonly registry: string;
      readonly account: string;
      readonly region: string;
      readonly repository: string;
    }
  | {
      readonly kind: 'pull-through';
      /** Upstream registry URL (the source `ImageReference.registry`). */
      readonly registry: string;
      /** Repository on the upstream. */
      readonly repository: string;
      /** Repository in staging the rule caches it under: `PREFIX/REPOSITORY`. */
      readonly cacheRepository: string;
    };

/** A route, or the reason there is none (naming the configuration key to set). */
export type ImageRouteResult =
  | { readonly ok: true; readonly route: ImageRoute }
  | { readonly ok: false; readonly reason: string };

const supportedUpstreams = () =>
  [...Object.keys(PULL_THROUGH_UPSTREAMS), '<name>.azurecr.io'].join(', ');

/**
 * Decides how an image on `host/repository` reaches staging.
 *
 * The reason of a refusal names the key that would make it clonable: `images.centralRegistries`
 * for another ECR registry, `images.pullThroughCache` for a registry ECR can cache; for one it
 * cannot (mcr.microsoft.com, a self-hosted registry), where to mirror it instead.
 */
export function routeImage(
  host: string,
  repository: string,
  settings: ImageSourceSettings,
): ImageRouteResult {
  if (host === settings.primaryRegistry) {
    return { ok: true, route: { kind: 'primary', registry: host, repository } };
  }
  const ecr = parseEcrHost(host);
  if (ecr) {
    const central = settings.centralRegistries.find(
      (entry) => entry.account === ecr.account && entry.region === ecr.region,
    );
    if (central) {
      return {
        ok: true,
        route: { kind: 'central', registry: host, ...ecr, repository },
      };
    }
  }
  const rule = settings.pullThroughCache.find((entry) => entry.upstreamRegistryUrl === host);
  if (rule) {
    return {
      ok: true,
      route: {
        kind: 'pull-through',
        registry: host,
        repository,
        cacheRepository: `${rule.ecrRepositoryPrefix}/${repository}`,
      },
    };
  }
  if (ecr) {
    return {
      ok: false,
      reason: `${host} is the ECR registry of account ${ecr.account} in ${ecr.region}, which is neither the primary's nor listed: add { "account": "${ecr.account}", "region": "${ecr.region}" } to images.centralRegistries (and grant the staging account the repository policy in docs/configuration.md)`,
    };
  }
  const upstream = pullThroughUpstream(host);
  if (upstream) {
    return {
      ok: false,
      reason: `${host} has no pull-through cache rule: add { "upstreamRegistryUrl": "${host}", "ecrRepositoryPrefix": "…"${upstream.credentialRequired ? ', "credentialSecret": "ecr-pullthroughcache/…"' : ''} } to images.pullThroughCache`,
    };
  }
  return {
    ok: false,
    reason: `${host} is not a registry ECR's pull-through cache supports (${supportedUpstreams()}): mirror the image into the primary's ECR or a registry listed in images.centralRegistries, and point the task definition at it`,
  };
}

/** Digests the running deployment pinned, by container name, and where ECS recorded them. */
export interface PinnedImages {
  /**
   * `service-revision`: the ECS service revision of the service's current deployment;
   * `running-tasks`: the service's running tasks on its current task definition;
   * `none`: ECS records no digest (no deployment revision and no running task).
   */
  readonly source: 'service-revision' | 'running-tasks' | 'none';
  readonly digests: Readonly<Record<string, Digest>>;
}

/** How the digest a clone stages was chosen (audit; recorded in the describe step's output). */
export type DigestPin = 'task-definition' | 'service-revision' | 'running-tasks' | 'tag-resolved';

/**
 * The digest of each container's image across the given running tasks: the one most tasks run
 * (ties to the lowest digest, so the choice is deterministic). Tasks with version consistency
 * all run one digest; only a service with it turned off, scaled out after a tag moved, differs.
 */
export function digestsOfRunningTasks(
  tasks: readonly {
    readonly containers: readonly { readonly name: string; readonly imageDigest?: string }[];
  }[],
): Record<string, Digest> {
  const counts = new Map<string, Map<Digest, number>>();
  for (const task of tasks) {
    for (const container of task.containers) {
      const digest = container.imageDigest;
      if (digest === undefined || !isDigest(digest)) continue;
      const perContainer = counts.get(container.name) ?? new Map<Digest, number>();
      perContainer.set(digest, (perContainer.get(digest) ?? 0) + 1);
      counts.set(container.name, perContainer);
    }
  }
  const chosen: Record<string, Digest> = {};
  for (const [name, perContainer] of counts) {
    const [best] = [...perContainer].sort(([a, ca], [b, cb]) =>
      cb !== ca ? cb - ca : a < b ? -1 : a > b ? 1 : 0,
    );
    if (best) chosen[name] = best[0];
  }
  return chosen;
}

/** A service revision as ECS records it (the fields that pick the running one). */
export interface ServiceRevisionImages {
  readonly serviceRevisionArn: string;
  readonly taskDefinition: string;
  /** ISO-8601; the newest matching revision wins. */
  readonly createdAt?: string;
  readonly containerImages: readonly {
    readonly containerName: string;
    readonly imageDigest?: string;
  }[];
}

/**
 * The digests of the newest service revision on `taskDefinitionArn` among those the service's
 * live deployments target (the caller passes only revisions a deployment that is pending, in
 * progress or successful targets: a rolled-back or stopped deployment's target is not running).
 * Undefined when none runs that task definition.
 */
export function digestsOfServiceRevisions(
  revisions: readonly ServiceRevisionImages[],
  taskDefinitionArn: string,
): Record<string, Digest> | undefined {
  const matching = revisions
    .filter((revision) => revision.taskDefinition === taskDefinitionArn)
    .sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
  const newest = matching[0];
  if (!newest) return undefined;
  const digests: Record<string, Digest> = {};
  for (const image of newest.containerImages) {
    if (image.imageDigest && isDigest(image.imageDigest)) {
      digests[image.containerName] = image.imageDigest;
    }
  }
  return digests;
}
