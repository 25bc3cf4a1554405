/**
 * Task definitions: what AWS fills in is stripped before hashing (revisions are immutable, so a
 * clone is identified by what it says, not by where ECS filed it), and a source definition is
 * rewritten into staging terms — digest-pinned staged images, mapped roles, secrets, log groups
 * and region-bound values — or refused with every problem listed.
 */
import { contentHash } from '../content-hash';
import {
  type ContainerDefinitionSpec,
  type ImageReference,
  imageUri,
  isDigest,
  type KeyValue,
  type LogConfiguration,
  type SecretRef,
  type TaskDefinitionSpec,
} from '../model';
import { EMBEDDED_ARN, mapReference, splitSecretReference } from './arn';
import { throwIfIssues } from './errors';
import type { CloneMappings } from './mappings';

/**
 * Fields ECS adds on registration (and `tags`, which are metadata, not content). They differ
 * between two registrations of the same content, so they never take part in the hash.
 */
export const AWS_FILLED_TASK_DEFINITION_FIELDS = [
  'taskDefinitionArn',
  'revision',
  'status',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
  'requiresAttributes',
  'compatibilities',
  'tags',
] as const;

/**
 * The spec of a registered revision: everything except {@link AWS_FILLED_TASK_DEFINITION_FIELDS}.
 * Accepts any object that carries a spec, so a described revision with extra AWS fields works.
 */
export function stripAwsFilledFields(registered: TaskDefinitionSpec): TaskDefinitionSpec {
  const copy: Record<string, unknown> = { ...registered };
  for (const field of AWS_FILLED_TASK_DEFINITION_FIELDS) delete copy[field];
  return copy as unknown as TaskDefinitionSpec;
}

// ---------------------------------------------------------------------------------------------
// Normalisation and hashing

/** Drops undefined values, empty arrays and empty objects, which ECS treats as "not set". */
function prune(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(prune).filter((item) => item !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .map(([key, item]) => [key, prune(item)] as const)
      .filter(([, item]) => item !== undefined);
    return entries.length > 0 ? Object.fromEntries(entries) : undefined;
  }
  return value;
}

const byName = (a: { readonly name: string }, b: { readonly name: string }) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

function normalizeContainer(
  container: ContainerDefinitionSpec,
  networkMode: TaskDefinitionSpec['networkMode'],
): ContainerDefinitionSpec {
  return {
    ...container,
    // DescribeTaskDefinition reports `cpu: 0` and `essential: true` for containers registered
    // without them; treat the defaults as equal to absence so a round trip hashes the same.
    cpu: container.cpu === 0 ? undefined : container.cpu,
    essential: container.essential ?? true,
    environment: container.environment ? [...container.environment].sort(byName) : undefined,
    secrets: container.secrets ? [...container.secrets].sort(byName) : undefined,
    portMappings: container.portMappings?.map((mapping) => ({
      ...mapping,
      protocol: mapping.protocol ?? 'tcp',
      hostPort: mapping.hostPort ?? (networkMode === 'awsvpc' ? mapping.containerPort : undefined),
    })),
    logConfiguration: container.logConfiguration?.secretOptions
      ? {
          ...container.logConfiguration,
          secretOptions: [...container.logConfiguration.secretOptions].sort(byName),
        }
      : container.logConfiguration,
  };
}

/**
 * The canonical form of a spec for comparison: AWS-filled fields dropped, "not set" forms
 * unified (undefined, empty list, ECS defaults), and name-keyed lists (containers, environment,
 * secrets, volumes) sorted because their order carries no meaning to ECS.
 */
export function normalizeTaskDefinition(spec: TaskDefinitionSpec): TaskDefinitionSpec {
  const stripped = stripAwsFilledFields(spec);
  const normalised: TaskDefinitionSpec = {
    ...stripped,
    containerDefinitions: stripped.containerDefinitions
      .map((container) => normalizeContainer(container, stripped.networkMode))
      .sort(byName),
    requiresCompatibilities: stripped.requiresCompatibilities
      ? [...stripped.requiresCompatibilities].sort()
      : undefined,
    volumes: stripped.volumes
      ? [...stripped.volumes].sort((a, b) => String(a.name).localeCompare(String(b.name)))
      : undefined,
  };
  return (prune(normalised) ?? {}) as TaskDefinitionSpec;
}

/**
 * Content hash (SHA-256 hex of RFC 8785 canonical JSON) of a task definition's
 * {@link normalizeTaskDefinition normalised} spec: equal for the spec Understudy registered and
 * the revision ECS describes back, whatever the key order.
 */
export function taskDefinitionHash(spec: TaskDefinitionSpec): string {
  return contentHash(normalizeTaskDefinition(spec));
}

// ---------------------------------------------------------------------------------------------
// Tags and revision reuse

/** Tag keys Understudy sets on staged task definitions. */
export const TASK_DEFINITION_TAG_KEYS = {
  sourceArn: 'understudy:source-arn',
  contentHash: 'understudy:content-hash',
  cloneVersion: 'understudy:clone-version',
} as const;

/**
 * Tags of a staged revision: its source, its content hash (so a re-run finds and reuses the
 * revision instead of registering a duplicate) and, once known, the clone version.
 */
export function stagedTaskDefinitionTags(input: {
  readonly sourceTaskDefinitionArn: string;
  readonly hash: string;
  readonly cloneVersion?: number;
}): KeyValue[] {
  const tags: KeyValue[] = [
    { name: TASK_DEFINITION_TAG_KEYS.sourceArn, value: input.sourceTaskDefinitionArn },
    { name: TASK_DEFINITION_TAG_KEYS.contentHash, value: input.hash },
  ];
  if (input.cloneVersion !== undefined) {
    tags.push({ name: TASK_DEFINITION_TAG_KEYS.cloneVersion, value: String(input.cloneVersion) });
  }
  return tags;
}

/**
 * The ACTIVE staged revision whose recomputed hash equals `hash`, newest first, if any. Reusing
 * it keeps re-runs idempotent: the same content never registers a second revision, so the clone
 * content (which names the revision) and its version stay the same.
 */
export function reusableRevision(
  revisions: readonly {
    readonly taskDefinitionArn: string;
    readonly revision: number;
    readonly status: string;
    readonly hash: string;
  }[],
  hash: string,
): string | undefined {
  return [...revisions]
    .filter((candidate) => candidate.status === 'ACTIVE' && candidate.hash === hash)
    .sort((a, b) => b.revision - a.revision)[0]?.taskDefinitionArn;
}

// ---------------------------------------------------------------------------------------------
// Rewrite for staging

/** True when region-bound bare ids (subnets, groups, file systems) differ between the sides. */
export function locationsDiffer(mappings: Pick<CloneMappings, 'source' | 'staging'>): boolean {
  return (
    mappings.source.region !== mappings.staging.region ||
    mappings.source.account !== mappings.staging.account
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Matches the region as a token (also as an AZ, `eu-west-1a`), not inside a longer word. */
function regionToken(region: string): RegExp {
  return new RegExp(`(^|[^a-z0-9-])${escapeRegExp(region)}(?=[a-z]?(?:$|[^a-z0-9-]))`, 'g');
}

class Issues {
  public readonly list: string[] = [];
  public add(path: string, problem: string): void {
    this.list.push(`${path}: ${problem}`);
  }
}

function mapSecrets(
  secrets: readonly SecretRef[] | undefined,
  path: string,
  mappings: CloneMappings,
  issues: Issues,
): SecretRef[] | undefined {
  return secrets?.map((secret) => {
    const fieldPath = `${path}[${secret.name}].valueFrom`;
    const exact = mappings.secrets?.[secret.valueFrom];
    if (exact !== undefined) return { ...secret, valueFrom: exact };
    const { base, suffix } = splitSecretReference(secret.valueFrom);
    const outcome = mapReference(base, [mappings.secrets], 'secrets', mappings, 'secrets');
    if (!outcome.ok) {
      issues.add(fieldPath, outcome.problem);
      return secret;
    }
    return { ...secret, valueFrom: `${outcome.value}${suffix}` };
  });
}

/**
 * Maps every primary ARN embedded in `text`; problems name `path`. Replaces each ARN where it
 * was found (one regex pass), so an ARN that is a prefix of another is never half-rewritten.
 */
function mapEmbeddedArns(
  text: string,
  path: string,
  field: 'environment' | 'logOptions',
  mappings: CloneMappings,
  issues: Issues,
): string {
  const reported = new Set<string>();
  return text.replace(EMBEDDED_ARN, (arn) => {
    const outcome = mapReference(
      arn,
      [mappings.arns, mappings.secrets, mappings.roles, mappings.targetGroups],
      field,
      mappings,
      'arns',
    );
    if (outcome.ok) return outcome.value;
    if (!reported.has(arn)) issues.add(path, outcome.problem);
    reported.add(arn);
    return arn;
  });
}

function mapEnvironment(
  environment: readonly KeyValue[] | undefined,
  path: string,
  mappings: CloneMappings,
  issues: Issues,
): KeyValue[] | undefined {
  const { source, staging } = mappings;
  return environment?.map((variable) => {
    const override = mappings.environment?.[variable.name];
    if (override !== undefined) return { ...variable, value: override };
    const fieldPath = `${path}[${variable.name}]`;
    let value = mapEmbeddedArns(variable.value, fieldPath, 'environment', mappings, issues);
    if (source.region !== staging.region) {
      // Strip ARNs first so a region inside an ARN (already reported) is not reported twice.
      const withoutArns = value.replace(EMBEDDED_ARN, '');
      if (regionToken(source.region).test(withoutArns)) {
        if (mappings.rewriteRegionAndAccount?.includes('environment')) {
          value = value.replace(regionToken(source.region), `$1${staging.region}`);
        } else {
          // The value is not echoed: environment values may hold secrets.
          issues.add(
            fieldPath,
            `value names the primary region ${source.region}; set environment.${variable.name} or allow rewriteRegionAndAccount 'environment'`,
          );
        }
      }
    }
    return { ...variable, value };
  });
}

function mapLogConfiguration(
  log: LogConfiguration | undefined,
  path: string,
  mappings: CloneMappings,
  issues: Issues,
): LogConfiguration | undefined {
  if (!log) return undefined;
  const options: Record<string, string> = {};
  for (const [key, value] of Object.entries(log.options ?? {})) {
    const optionPath = `${path}.options[${key}]`;
    if (log.logDriver === 'awslogs' && key === 'awslogs-group') {
      // A log group name is valid anywhere; it is mapped only when staging names it differently,
      // and its existence is checked as a dependency.
      options[key] = mappings.logGroups?.[value] ?? value;
    } else if (log.logDriver === 'awslogs' && key === 'awslogs-region') {
      options[key] = mappings.staging.region;
    } else {
      options[key] = mapEmbeddedArns(value, optionPath, 'logOptions', mappings, issues);
    }
  }
  return {
    ...log,
    options: log.options ? options : undefined,
    secretOptions: mapSecrets(log.secretOptions, `${path}.secretOptions`, mappings, issues),
  };
}

function mapVolumes(
  volumes: TaskDefinitionSpec['volumes'],
  mappings: CloneMappings,
  issues: Issues,
): TaskDefinitionSpec['volumes'] {
  return volumes?.map((volume) => {
    const efs = volume.efsVolumeConfiguration as
      | { fileSystemId?: string; authorizationConfig?: { accessPointId?: string } }
      | undefined;
    if (!efs) return volume;
    const path = `volumes[${String(volume.name)}].efsVolumeConfiguration`;
    const mapId = (id: string | undefined, field: string) => {
      if (id === undefined) return undefined;
      const mapped = mappings.fileSystems?.[id];
      if (mapped !== undefined) return mapped;
      if (locationsDiffer(mappings)) {
        issues.add(`${path}.${field}`, `${id} is regional and has no mapping in fileSystems`);
      }
      return id;
    };
    const fileSystemId = mapId(efs.fileSystemId, 'fileSystemId');
    const accessPointId = mapId(
      efs.authorizationConfig?.accessPointId,
      'authorizationConfig.accessPointId',
    );
    return {
      ...volume,
      efsVolumeConfiguration: {
        ...efs,
        fileSystemId,
        authorizationConfig: efs.authorizationConfig
          ? { ...efs.authorizationConfig, accessPointId }
          : undefined,
      },
    };
  });
}

function mapStagedImage(
  container: ContainerDefinitionSpec,
  stagedImages: Readonly<Record<string, ImageReference>>,
  mappings: CloneMappings,
  issues: Issues,
): string {
  const path = `containerDefinitions[${container.name}].image`;
  const staged = stagedImages[container.name];
  if (!staged) {
    issues.add(path, `no staged image for ${container.image}; the image step must stage it first`);
    return container.image;
  }
  if (!isDigest(staged.digest)) {
    issues.add(path, `staged image ${staged.repository} is not pinned by a sha256 digest`);
    return container.image;
  }
  if (staged.registry !== mappings.registry) {
    issues.add(
      path,
      `staged image is in ${staged.registry}, not the staging registry ${mappings.registry}`,
    );
    return container.image;
  }
  return imageUri(staged);
}

/**
 * Rewrites a source task definition (already {@link stripAwsFilledFields stripped}) into the spec
 * registered in staging:
 * - every container image → its staged `registry/repo@sha256:…` (from `stagedImages`, keyed by
 *   container name; each container must have one in the staging registry);
 * - execution and task roles, secrets and log `secretOptions` → mapped ARNs;
 * - `awslogs-group` → mapped name (else kept), `awslogs-region` → the staging region;
 * - environment values: overrides from `mappings.environment`, embedded primary ARNs mapped, and
 *   a bare mention of the primary region rewritten only if allowed;
 * - EFS file systems and access points → mapped ids.
 *
 * @throws CloneValidationError listing every unmappable reference with its container/field path.
 */
export function rewriteForStaging(
  spec: TaskDefinitionSpec,
  mappings: CloneMappings,
  stagedImages: Readonly<Record<string, ImageReference>>,
): TaskDefinitionSpec {
  const issues = new Issues();
  const mapRole = (arn: string | undefined, field: string) => {
    if (arn === undefined) return undefined;
    const outcome = mapReference(arn, [mappings.roles], 'roles', mappings, 'roles');
    if (outcome.ok) return outcome.value;
    issues.add(field, outcome.problem);
    return arn;
  };

  const containerDefinitions = spec.containerDefinitions.map((container) => {
    const path = `containerDefinitions[${container.name}]`;
    return {
      ...container,
      image: mapStagedImage(container, stagedImages, mappings, issues),
      environment: mapEnvironment(container.environment, `${path}.environment`, mappings, issues),
      secrets: mapSecrets(container.secrets, `${path}.secrets`, mappings, issues),
      logConfiguration: mapLogConfiguration(
        container.logConfiguration,
        `${path}.logConfiguration`,
        mappings,
        issues,
      ),
    };
  });

  const staged: TaskDefinitionSpec = {
    ...stripAwsFilledFields(spec),
    containerDefinitions,
    executionRoleArn: mapRole(spec.executionRoleArn, 'executionRoleArn'),
    taskRoleArn: mapRole(spec.taskRoleArn, 'taskRoleArn'),
    volumes: mapVolumes(spec.volumes, mappings, issues),
  };
  throwIfIssues(`task definition ${spec.family} cannot be cloned to staging`, issues.list);
  return prune(staged) as TaskDefinitionSpec;
}
