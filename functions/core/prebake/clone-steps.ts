/**
 * The steps of the clone-validate-store workflow, one function per Task state. Each takes the
 * ports it needs (bound to primary or staging by the handler) and plain JSON in and out, so the
 * state machine carries the state between steps and any step can be retried on its own:
 * every step is idempotent (find-or-create, skip-if-present, reuse-by-hash, conditional writes).
 */
import { assembleCloneContent } from '../clone/content';
import { type Dependency, listDependencies, readiness } from '../clone/dependencies';
import { CloneValidationError } from '../clone/errors';
import {
  type DigestPin,
  type ImageSourceSettings,
  type PinnedImages,
  parseImageName,
  routeImage,
} from '../clone/image-source';
import type { CloneMappings } from '../clone/mappings';
import { planNetworkCopy, resolveStagingRules } from '../clone/network';
import type { PolicyFinding } from '../clone/policy';
import {
  type ClonePolicy,
  checkPolicy,
  describeFindings,
  hasBlockingFindings,
} from '../clone/policy';
import { buildStagingServiceSpec } from '../clone/service-definition';
import {
  rewriteTaskDefinition,
  stagedTaskDefinitionTags,
  stripAwsFilledFields,
  TASK_DEFINITION_TAG_KEYS,
  taskDefinitionHash,
} from '../clone/task-definition';
import { type CloneValidation, validateClone } from '../clone/validate';
import { NotFoundError } from '../errors';
import {
  type CloneRewrite,
  type CloneVersion,
  type Digest,
  type ImageReference,
  imageUri,
  type NetworkRuleSet,
  type RegisteredTaskDefinition,
  type ServiceDescription,
  type ServiceRef,
  type ServiceSpec,
  serviceKey,
  type TaskDefinitionSpec,
} from '../model';
import type {
  Clock,
  ContainerPlatform,
  DependencyProbe,
  ImageRegistry,
  InventoryRepository,
  NetworkRules,
} from '../ports';

/** The ECS/ECR/EC2 ports of one side (primary read-only, or staging). */
export interface SideAdapters {
  readonly platform: ContainerPlatform;
  readonly registry: ImageRegistry;
  readonly network: NetworkRules;
}

// ---------------------------------------------------------------------------------------------
// 1. Describe the source

/** What the primary runs for one service, with every image pinned by digest. */
export interface SourceSnapshot {
  readonly service: ServiceRef;
  readonly description: ServiceDescription;
  readonly taskDefinition: RegisteredTaskDefinition;
  /**
   * Source images by container name, pinned to the digest the running deployment runs: the
   * `registry` is where the copy step reads it (the primary's ECR, a central ECR registry, or
   * the upstream URL of a pull-through cache rule).
   */
  readonly images: Readonly<Record<string, ImageReference>>;
  /** How each container's digest was chosen (audit). */
  readonly imagePins: Readonly<Record<string, DigestPin>>;
  /** The service's own security groups with their rules. */
  readonly securityGroups: readonly NetworkRuleSet[];
}

/**
 * Splits `registry/repo[:tag|@sha256:…]` into its parts, Docker's way (an image with no registry
 * host is on Docker Hub); `reference` is the digest when there is one, else the tag (`latest`
 * when none is written).
 */
export function parseImageUri(
  uri: string,
): { registry: string; repository: string; reference: string } | undefined {
  const parsed = parseImageName(uri);
  if (!parsed) return undefined;
  return {
    registry: parsed.host,
    repository: parsed.repository,
    reference: parsed.digest ?? parsed.tag ?? 'latest',
  };
}

/** Options of {@link describeSource}. */
export interface DescribeSourceOptions {
  /**
   * Where images may come from besides the primary's ECR.
   * @default only the primary registry
   */
  readonly images?: Omit<ImageSourceSettings, 'primaryRegistry'>;
}

/**
 * Reads the primary service, its current task definition, the digest every container runs and
 * its security groups.
 *
 * The digest is the one the running deployment pinned (its ECS service revision, else its running
 * tasks), not the tag re-resolved now: a tag moved since the deployment must not stage an image
 * production is not running. Only when ECS records no digest at all (no revision, no running
 * task) is a primary-registry tag resolved, and the pin says so (`tag-resolved`).
 *
 * @throws CloneValidationError naming every image that cannot be cloned and the configuration key
 *   that would fix it; NotFoundError when the service does not exist.
 */
export async function describeSource(
  primary: SideAdapters,
  service: ServiceRef,
  options: DescribeSourceOptions = {},
): Promise<SourceSnapshot> {
  const description = await primary.platform.describeService(service.cluster, service.service);
  const taskDefinition = await primary.platform.describeTaskDefinition(description.taskDefinition);
  const sources: ImageSourceSettings = {
    primaryRegistry: primary.registry.registry,
    centralRegistries: options.images?.centralRegistries ?? [],
    pullThroughCache: options.images?.pullThroughCache ?? [],
  };
  const issues: string[] = [];
  const images: Record<string, ImageReference> = {};
  const imagePins: Record<string, DigestPin> = {};
  let pinned: PinnedImages | undefined;
  for (const container of taskDefinition.containerDefinitions) {
    const path = `containerDefinitions[${container.name}].image`;
    const parsed = parseImageName(container.image);
    if (!parsed) {
      issues.push(`${path}: ${container.image} is not a valid image reference`);
      continue;
    }
    const routed = routeImage(parsed.host, parsed.repository, sources);
    if (!routed.ok) {
      issues.push(`${path}: ${container.image}: ${routed.reason}`);
      continue;
    }
    const tag = parsed.tag ? { tag: parsed.tag } : {};
    let digest = parsed.digest;
    let pin: DigestPin = 'task-definition';
    if (digest === undefined) {
      pinned ??= await primary.platform.describePinnedImages(
        description.cluster,
        description.serviceName,
        taskDefinition.taskDefinitionArn,
      );
      digest = pinned.digests[container.name];
      if (digest !== undefined)
        pin = pinned.source === 'running-tasks' ? 'running-tasks' : 'service-revision';
    }
    if (routed.route.kind === 'primary') {
      // Resolving by the pinned digest proves the primary still holds what production runs;
      // resolving the tag happens only when ECS recorded no digest at all.
      const resolved = await primary.registry.resolve(
        parsed.repository,
        digest ?? parsed.tag ?? 'latest',
      );
      if (digest === undefined) pin = 'tag-resolved';
      images[container.name] = { ...resolved, digest: resolved.digest, ...tag };
      imagePins[container.name] = pin;
      continue;
    }
    if (digest === undefined) {
      issues.push(
        `${path}: ${container.image}: ECS records no digest for it (no service revision or running task of ${taskDefinition.taskDefinitionArn}) and a tag outside the primary's ECR is not resolved at clone time; pin the image by digest in the task definition, or clone once the deployment runs`,
      );
      continue;
    }
    images[container.name] = {
      registry: routed.route.registry,
      repository: routed.route.repository,
      digest,
      ...tag,
    };
    imagePins[container.name] = pin;
  }
  if (issues.length > 0) {
    throw new CloneValidationError(`${serviceKey(service)} cannot be cloned`, issues);
  }
  const groupIds = description.networkConfiguration?.securityGroups ?? [];
  const securityGroups = groupIds.length > 0 ? await primary.network.describeGroups(groupIds) : [];
  return { service, description, taskDefinition, images, imagePins, securityGroups };
}

// ---------------------------------------------------------------------------------------------
// 2. Copy images by digest

/** Progress of {@link copyImages}; `done: false` means call again to continue. */
export interface ImageCopyProgress {
  /** Images fully staged so far, by container name. */
  readonly staged: Readonly<Record<string, ImageReference>>;
  readonly done: boolean;
  readonly manifestsPut: number;
  /** Manifests found already staged under their digest-derived tag (nothing copied). */
  readonly manifestsSkipped: number;
  readonly blobsCopied: number;
  readonly blobsSkipped: number;
  readonly bytesCopied: number;
}

/** Options of {@link copyImages}. */
export interface ImageCopyOptions {
  readonly clock: Clock;
  /**
   * Stop starting new blob copies after this epoch ms and return `done: false` (a Lambda passes
   * its deadline minus a margin); the next call skips everything already present and resumes.
   */
  readonly deadlineMs: number;
  /** KMS key of staged repositories. */
  readonly kmsKeyArn?: string;
  /**
   * Images not in `from` (the primary's registry): central ECR registries to copy from, and the
   * staging pull-through cache rules to import through.
   * @default none: every image must be in `from`
   */
  readonly sources?: ImageSources;
}

/** Registries besides the primary's that images are copied from or imported through. */
export interface ImageSources {
  /** Central registries and pull-through cache rules, as configured (`images.*`). */
  readonly settings: Omit<ImageSourceSettings, 'primaryRegistry'>;
  /** A registry adapter per central registry host, reading with the copy step's own role. */
  readonly central: Readonly<Record<string, ImageRegistry>>;
}

/**
 * The staged tag of a manifest: derived from its digest so it can never point at anything else
 * (the repositories have immutable tags) and so no lifecycle rule for untagged images can expire
 * a manifest the inventory references — children of an index included.
 */
export function stagedTag(digest: Digest): string {
  return `understudy-${digest.slice('sha256:'.length, 'sha256:'.length + 20)}`;
}

class DeadlineReached extends Error {}

/** True when the staging repository holds `digest` under its {@link stagedTag}. */
async function isStaged(
  registry: ImageRegistry,
  repository: string,
  digest: Digest,
): Promise<boolean> {
  try {
    return (await registry.resolve(repository, stagedTag(digest))).digest === digest;
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}

/**
 * Where the copy step reads an image: a registry to copy from (the primary's, or a central one)
 * or the staging pull-through cache repository to import it through.
 *
 * @throws CloneValidationError when the image's registry is none of them (the describe step
 *   refuses such images first; this guards a stale or hand-written input).
 */
function sourceOf(
  primary: ImageRegistry,
  image: ImageReference,
  sources: ImageSources | undefined,
):
  | { readonly kind: 'copy'; readonly from: ImageRegistry }
  | { readonly kind: 'cache'; readonly repository: string } {
  if (image.registry === primary.registry) return { kind: 'copy', from: primary };
  const routed = routeImage(image.registry, image.repository, {
    primaryRegistry: primary.registry,
    centralRegistries: sources?.settings.centralRegistries ?? [],
    pullThroughCache: sources?.settings.pullThroughCache ?? [],
  });
  if (routed.ok && routed.route.kind === 'pull-through') {
    return { kind: 'cache', repository: routed.route.cacheRepository };
  }
  const central = routed.ok ? sources?.central[image.registry] : undefined;
  if (central) return { kind: 'copy', from: central };
  throw new CloneValidationError(`image ${imageUri(image)} cannot be copied`, [
    routed.ok
      ? `${image.registry}: central registry configured but no registry adapter was given to the copy step`
      : routed.reason,
  ]);
}

/**
 * Makes every source image present in the staging registry by digest: manifests copied byte for
 * byte with their media type (children of an index first, so the index never references a
 * missing manifest), blobs already present skipped, large blobs streamed in parts. Images of a
 * central registry are copied the same way from it; images of a pull-through upstream are
 * imported through the staging cache rule and staged under its repository (`PREFIX/REPO`).
 */
export async function copyImages(
  from: ImageRegistry,
  to: ImageRegistry,
  images: Readonly<Record<string, ImageReference>>,
  options: ImageCopyOptions,
): Promise<ImageCopyProgress> {
  let manifestsPut = 0;
  let manifestsSkipped = 0;
  let blobsCopied = 0;
  let blobsSkipped = 0;
  let bytesCopied = 0;
  const ensured = new Set<string>();
  const copied = new Set<string>();

  const copyManifest = async (
    source: ImageRegistry,
    repository: string,
    digest: Digest,
  ): Promise<void> => {
    const key = `${repository}@${digest}`;
    if (copied.has(key)) return;
    const manifest = await source.getManifest(repository, digest);
    for (const child of manifest.children) await copyManifest(source, repository, child);
    if (manifest.blobs.length > 0) {
      const present = await to.hasBlobs(
        repository,
        manifest.blobs.map((blob) => blob.digest),
      );
      for (const blob of manifest.blobs) {
        if (present.has(blob.digest)) {
          blobsSkipped += 1;
          continue;
        }
        if (options.clock.now() >= options.deadlineMs) throw new DeadlineReached();
        await to.writeBlob(repository, await source.readBlob(repository, blob.digest));
        blobsCopied += 1;
        bytesCopied += blob.size;
      }
    }
    await to.putManifest(repository, manifest, stagedTag(manifest.digest));
    manifestsPut += 1;
    copied.add(key);
  };

  /**
   * Imports a manifest (children first) and its blobs into a pull-through cache repository:
   * BatchGetImage by digest makes ECR fetch the manifest from the upstream (creating the cache
   * repository on first pull), and downloading a blob through GetDownloadUrlForLayer makes it
   * fetch the layer — which also proves the cache serves the bytes the digest names.
   */
  const importManifest = async (repository: string, digest: Digest): Promise<void> => {
    const key = `${repository}@${digest}`;
    if (copied.has(key)) return;
    const manifest = await to.getManifest(repository, digest);
    for (const child of manifest.children) await importManifest(repository, child);
    if (manifest.blobs.length > 0) {
      const present = await to.hasBlobs(
        repository,
        manifest.blobs.map((blob) => blob.digest),
      );
      for (const blob of manifest.blobs) {
        if (present.has(blob.digest)) {
          blobsSkipped += 1;
          continue;
        }
        if (options.clock.now() >= options.deadlineMs) throw new DeadlineReached();
        const stream = await to.readBlob(repository, blob.digest);
        for await (const part of stream.parts) bytesCopied += part.byteLength;
        blobsCopied += 1;
      }
    }
    manifestsPut += 1;
    copied.add(key);
  };

  const staged: Record<string, ImageReference> = {};
  let done = true;
  try {
    for (const [container, image] of Object.entries(images).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    )) {
      const source = sourceOf(from, image, options.sources);
      if (source.kind === 'cache') {
        // Cached images carry no tag of ours (ECR owns pull-through repositories), so every run
        // walks the manifest; BatchCheckLayerAvailability keeps a warm run to a few reads.
        await importManifest(source.repository, image.digest);
        // No tag: ECR owns the cache repository's tags (they follow the upstream), so a staged
        // tag could not be checked by integrity (the source task definition keeps the tag).
        staged[container] = {
          registry: to.registry,
          repository: source.repository,
          digest: image.digest,
        };
        continue;
      }
      // Already staged (its digest-derived tag resolves to it): its children and blobs were
      // staged before it, so a warm re-run costs one read per image instead of a walk (and no
      // repository call either).
      if (await isStaged(to, image.repository, image.digest)) {
        manifestsSkipped += 1;
      } else {
        if (!ensured.has(image.repository)) {
          await to.ensureRepository(image.repository, {
            ...(options.kmsKeyArn ? { kmsKeyArn: options.kmsKeyArn } : {}),
            tags: [{ name: 'understudy:managed', value: 'true' }],
          });
          ensured.add(image.repository);
        }
        await copyManifest(source.from, image.repository, image.digest);
      }
      staged[container] = {
        registry: to.registry,
        repository: image.repository,
        digest: image.digest,
        ...(image.tag ? { tag: image.tag } : {}),
      };
    }
  } catch (error) {
    if (!(error instanceof DeadlineReached)) throw error;
    done = false;
  }
  return { staged, done, manifestsPut, manifestsSkipped, blobsCopied, blobsSkipped, bytesCopied };
}

// ---------------------------------------------------------------------------------------------
// 3. Stage the task definition

/** Outcome of {@link stageTaskDefinition}. */
export interface StagedTaskDefinition {
  readonly taskDefinitionArn: string;
  /** {@link taskDefinitionHash} of `spec`. */
  readonly hash: string;
  readonly spec: TaskDefinitionSpec;
  /** Every value that differs from the source revision, and the rule that changed it. */
  readonly rewrites: readonly CloneRewrite[];
  readonly policyFindings: readonly PolicyFinding[];
  /** True when an identical ACTIVE revision already existed and was reused. */
  readonly reused: boolean;
}

/**
 * Rewrites the source revision for staging, refuses dangerous settings, and registers it —
 * unless the newest ACTIVE revision of the family already has exactly this content (recorded by
 * tag and re-checked by hash), which keeps re-runs from piling up revisions.
 *
 * @throws CloneValidationError for an unmappable reference or a blocking policy finding.
 */
export async function stageTaskDefinition(
  staging: ContainerPlatform,
  input: {
    readonly source: RegisteredTaskDefinition;
    readonly stagedImages: Readonly<Record<string, ImageReference>>;
    readonly mappings: CloneMappings;
    readonly policy?: ClonePolicy;
  },
): Promise<StagedTaskDefinition> {
  const { spec, rewrites } = rewriteTaskDefinition(
    stripAwsFilledFields(input.source),
    input.mappings,
    input.stagedImages,
  );
  const policyFindings = checkPolicy(spec, input.policy);
  if (hasBlockingFindings(policyFindings)) {
    throw new CloneValidationError(
      `task definition ${spec.family} is refused by policy`,
      describeFindings(policyFindings.filter((finding) => finding.severity === 'error')),
    );
  }
  const hash = taskDefinitionHash(spec);
  // Only the newest ACTIVE revision is reused: when someone registered another revision in the
  // staged family out of band, registering above it makes the clone's revision the newest again.
  const revisions = await staging.listTaskDefinitionRevisions(spec.family);
  for (const arn of revisions.slice(0, 1)) {
    const candidate = await staging.describeTaskDefinition(arn);
    const tagged = candidate.tags?.find(
      (tag) => tag.name === TASK_DEFINITION_TAG_KEYS.contentHash,
    )?.value;
    if (
      candidate.status === 'ACTIVE' &&
      tagged === hash &&
      taskDefinitionHash(stripAwsFilledFields(candidate)) === hash
    ) {
      return { taskDefinitionArn: arn, hash, spec, rewrites, policyFindings, reused: true };
    }
  }
  // The source's own tags travel with the copy (cost allocation, ownership); `aws:` keys are
  // reserved and `understudy:` keys are ours, set below.
  const sourceTags = (input.source.tags ?? []).filter(
    (tag) => !tag.name.startsWith('aws:') && !tag.name.startsWith('understudy:'),
  );
  const registered = await staging.registerTaskDefinition(spec, [
    ...sourceTags,
    ...stagedTaskDefinitionTags({ sourceTaskDefinitionArn: input.source.taskDefinitionArn, hash }),
  ]);
  return {
    taskDefinitionArn: registered.taskDefinitionArn,
    hash,
    spec,
    rewrites,
    policyFindings,
    reused: false,
  };
}

// ---------------------------------------------------------------------------------------------
// 4. Copy network rules

/** Outcome of {@link syncNetwork}. */
export interface StagedNetwork {
  /** Source security group id → staging copy id. */
  readonly groupCopies: Readonly<Record<string, string>>;
  /** The staging groups with the rules they now hold. */
  readonly rules: readonly NetworkRuleSet[];
  readonly added: number;
  readonly revoked: number;
}

/**
 * Copies the service's security groups into the staging VPC: each found by its deterministic
 * name or created, then its rules made exactly the mapped source rules (idempotent).
 */
export async function syncNetwork(
  staging: NetworkRules,
  sourceGroups: readonly NetworkRuleSet[],
  mappings: CloneMappings,
): Promise<StagedNetwork> {
  const plan = planNetworkCopy(sourceGroups, mappings);
  const twins: Record<string, string> = {};
  for (const group of plan.groups) {
    const existing = await staging.findGroup(group.vpcId, group.groupName);
    twins[group.sourceGroupId] =
      existing?.groupId ??
      (await staging.createGroup({
        vpcId: group.vpcId,
        groupName: group.groupName,
        description: group.description,
        tags: group.tags,
      }));
  }
  const rules = resolveStagingRules(plan, twins);
  let added = 0;
  let revoked = 0;
  for (const group of rules) {
    const result = await staging.syncRules(group.groupId, group);
    added += result.added;
    revoked += result.revoked;
  }
  return { groupCopies: twins, rules, added, revoked };
}

// ---------------------------------------------------------------------------------------------
// 5. Service definition and dependency readiness

/** Outcome of {@link prepareService}. */
export interface PreparedService {
  readonly serviceDefinition: ServiceSpec;
  readonly dependencies: readonly Dependency[];
  readonly ready: boolean;
  /** Why it is not ready (each missing dependency and the fields that need it). */
  readonly reasons: readonly string[];
}

/**
 * Builds the staging service definition and checks that everything it and the task definition
 * need but the clone does not copy (secrets, roles, target groups, keys, …) exists in staging.
 */
export async function prepareService(
  probe: DependencyProbe,
  input: {
    readonly source: ServiceDescription;
    readonly taskDefinition: StagedTaskDefinition;
    readonly network: Pick<StagedNetwork, 'groupCopies'>;
    readonly mappings: CloneMappings;
    readonly kmsKeys?: readonly string[];
  },
): Promise<PreparedService> {
  const serviceDefinition = buildStagingServiceSpec({
    source: input.source,
    taskDefinition: input.taskDefinition.spec,
    taskDefinitionArn: input.taskDefinition.taskDefinitionArn,
    mappings: input.mappings,
    groupCopies: input.network.groupCopies,
  });
  const dependencies = listDependencies({
    taskDefinition: input.taskDefinition.spec,
    service: serviceDefinition,
    ...(input.kmsKeys ? { kmsKeys: input.kmsKeys } : {}),
  });
  const present = await probe.present(dependencies);
  const result = readiness(dependencies, present);
  return {
    serviceDefinition,
    dependencies,
    ready: result.status === 'ready',
    reasons: result.reasons,
  };
}

// ---------------------------------------------------------------------------------------------
// 6. Validate against staging and store the clone version

/** Everything the earlier steps staged for one service. */
export interface StagedPieces {
  readonly source: Pick<SourceSnapshot, 'service' | 'taskDefinition'>;
  readonly images: Readonly<Record<string, ImageReference>>;
  readonly taskDefinition: StagedTaskDefinition;
  readonly network: Pick<StagedNetwork, 'rules'>;
  readonly service: Pick<PreparedService, 'serviceDefinition' | 'dependencies'>;
}

/** Outcome of {@link validateAndStore}. */
export interface StoredClone {
  readonly version: CloneVersion;
  /** False when identical content was already stored (a re-run): no new version. */
  readonly created: boolean;
  readonly validation: CloneValidation;
}

/**
 * Reads back what staging actually holds (digests, the revision and its hash, rules,
 * dependencies), validates the clone against it, and stores it as a clone version. Identical
 * content makes no new version; its status is brought up to date instead.
 */
export async function validateAndStore(
  ports: {
    readonly staging: SideAdapters;
    readonly probe: DependencyProbe;
    readonly inventory: InventoryRepository;
  },
  pieces: StagedPieces,
  audit: { readonly actor: string; readonly trigger: string },
): Promise<StoredClone> {
  const { staging } = ports;
  const imagesPresent = new Set<string>();
  for (const image of Object.values(pieces.images)) {
    try {
      const found = await staging.registry.resolve(image.repository, image.digest);
      imagesPresent.add(imageUri({ ...found, digest: image.digest }));
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  let taskDefinition: { status: RegisteredTaskDefinition['status']; hash: string } | undefined;
  try {
    const described = await staging.platform.describeTaskDefinition(
      pieces.taskDefinition.taskDefinitionArn,
    );
    taskDefinition = {
      status: described.status,
      hash: taskDefinitionHash(stripAwsFilledFields(described)),
    };
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  const rules: Record<string, NetworkRuleSet> = {};
  const groupIds = pieces.network.rules.map((group) => group.groupId);
  if (groupIds.length > 0) {
    for (const group of await staging.network.describeGroups(groupIds))
      rules[group.groupId] = group;
  }
  const dependenciesPresent = await ports.probe.present(pieces.service.dependencies);

  const validation = validateClone({
    expected: {
      taskDefinitionArn: pieces.taskDefinition.taskDefinitionArn,
      taskDefinitionHash: pieces.taskDefinition.hash,
      images: pieces.images,
      networkRules: pieces.network.rules,
      dependencies: pieces.service.dependencies,
      policyFindings: pieces.taskDefinition.policyFindings,
    },
    observed: { imagesPresent, taskDefinition, rules, dependenciesPresent },
  });
  const content = assembleCloneContent({
    service: pieces.source.service,
    sourceTaskDefinition: pieces.source.taskDefinition,
    stagedTaskDefinition: pieces.taskDefinition.spec,
    stagedTaskDefinitionArn: pieces.taskDefinition.taskDefinitionArn,
    serviceDefinition: pieces.service.serviceDefinition,
    images: pieces.images,
    networkRules: pieces.network.rules,
    dependencies: pieces.service.dependencies,
  });
  const stored = await ports.inventory.putClone({
    content,
    status: validation.status,
    reasons: validation.reasons,
    createdBy: audit.actor,
    trigger: audit.trigger,
  });
  let version = stored.version;
  if (!stored.created && version.status !== validation.status) {
    version = await ports.inventory.setStatus(
      version.service,
      version.version,
      validation.status,
      validation.reasons,
      audit.actor,
    );
  }
  return { version, created: stored.created, validation };
}

// ---------------------------------------------------------------------------------------------
// 7. Stage the service (pilot light or warm)

/** How much of a service stands in staging between failovers. */
export type StagingTier = 'config-only' | 'warm';

/** Outcome of {@link stageService}. */
export interface StagedService {
  readonly cluster: string;
  readonly serviceName: string;
  readonly tier: StagingTier;
  readonly desiredCount: number;
  /** `created`, `updated` (task definition or count changed) or `unchanged`. */
  readonly action: 'created' | 'updated' | 'unchanged';
}

/**
 * Makes the staging service exist on the clone's task definition with the tier's task count:
 * zero for config-only (pilot light: a failover only raises the count), `warmTasks` when warm.
 * This deploys nothing user-facing — no traffic reaches staging until a failover switches it
 * under the authority lease — so it needs no epoch.
 */
export async function stageService(
  staging: ContainerPlatform,
  input: {
    readonly serviceDefinition: ServiceSpec;
    readonly tier: StagingTier;
    readonly warmTasks: number;
  },
): Promise<StagedService> {
  const spec = input.serviceDefinition;
  const desiredCount = input.tier === 'warm' ? input.warmTasks : 0;
  const outcome = (action: StagedService['action']): StagedService => ({
    cluster: spec.cluster,
    serviceName: spec.serviceName,
    tier: input.tier,
    desiredCount,
    action,
  });
  let current: ServiceDescription | undefined;
  try {
    current = await staging.describeService(spec.cluster, spec.serviceName);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  // The cloned bounds and target-tracking policy, applied after the service exists (a scalable
  // target names the service). Both calls are idempotent, so every run re-applies them.
  // The minimum is held at the tier's task count: a pilot-light service must stay at zero (a
  // cloned minimum of 2 would make Application Auto Scaling start two tasks at once). The clone
  // keeps the primary's minimum in `serviceDefinition.scaling` for the failover to restore.
  const applyScaling = async () => {
    if (spec.scaling) {
      await staging.applyScaling(spec.cluster, spec.serviceName, {
        ...spec.scaling,
        minCapacity: Math.min(spec.scaling.minCapacity, desiredCount),
      });
    }
  };
  if (!current) {
    await staging.createService({
      ...spec,
      desiredCount,
      tags: [...(spec.tags ?? []), { name: 'understudy:managed', value: 'true' }],
    });
    await applyScaling();
    return outcome('created');
  }
  if (current.taskDefinition === spec.taskDefinition && current.desiredCount === desiredCount) {
    await applyScaling();
    return outcome('unchanged');
  }
  await staging.updateService(spec.cluster, spec.serviceName, {
    taskDefinition: spec.taskDefinition,
    desiredCount,
  });
  await applyScaling();
  return outcome('updated');
}
