/**
 * Task definitions: what AWS fills in is stripped before hashing (revisions are immutable, so a
 * clone is identified by what it says, not by where ECS filed it), and a source definition is
 * rewritten into staging terms — digest-pinned staged images, mapped roles, secrets, log groups
 * and region-bound values — or refused with every problem listed.
 */
import { contentHash } from '../content-hash';
import {
  type CloneRewrite,
  type ContainerDefinitionSpec,
  type ImageReference,
  imageUri,
  isDigest,
  type KeyValue,
  type LogConfiguration,
  type SecretRef,
  type TaskDefinitionSpec,
  type VolumeSpec,
} from '../model';
import { EMBEDDED_ARN, mapReference, splitSecretReference } from './arn';
import { throwIfIssues } from './errors';
import type { ArnRewriteField, CloneMappings, MappingTable } from './mappings';

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
  'deleteRequestedAt',
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

/**
 * Collects, for one rewrite, every problem (refusal) and every change (`{path, from, to}`), so
 * a caller gets all problems at once and a record of exactly what differs from the source.
 */
class Rewriter {
  public readonly issues: string[] = [];
  public readonly rewrites: CloneRewrite[] = [];

  public constructor(
    public readonly mappings: CloneMappings,
    public readonly stagedImages: Readonly<Record<string, ImageReference>>,
  ) {}

  public problem(path: string, problem: string): void {
    this.issues.push(`${path}: ${problem}`);
  }

  /** Returns `to`, recording the change when it is one. */
  public change(path: string, from: string, to: string, rule: string): string {
    if (from !== to) this.rewrites.push({ path, from, to, rule });
    return to;
  }

  /**
   * Maps one reference through {@link mapReference}; a problem is reported at `path` and the
   * value kept, so the refusal lists every problem instead of the first.
   */
  public reference(
    value: string,
    path: string,
    tables: readonly (MappingTable | undefined)[],
    field: ArnRewriteField | undefined,
    configKey: string,
  ): string {
    const outcome = mapReference(value, tables, field, this.mappings, configKey);
    if (!outcome.ok) {
      this.problem(path, outcome.problem);
      return value;
    }
    const rule =
      outcome.how === 'rewritten' ? `rewriteRegionAndAccount:${field ?? configKey}` : configKey;
    return this.change(path, value, outcome.value, rule);
  }
}

function mapSecrets(secrets: readonly SecretRef[], path: string, rewriter: Rewriter): SecretRef[] {
  return secrets.map((secret) => ({
    ...secret,
    valueFrom: mapSecretReference(secret.valueFrom, `${path}[${secret.name}].valueFrom`, rewriter),
  }));
}

/** A Secrets Manager ARN (maybe with a `:json-key:stage:version` suffix) or SSM parameter. */
function mapSecretReference(value: string, path: string, rewriter: Rewriter): string {
  const exact = rewriter.mappings.secrets?.[value];
  if (exact !== undefined) return rewriter.change(path, value, exact, 'secrets');
  const { base, suffix } = splitSecretReference(value);
  const mapped = rewriter.reference(base, path, [rewriter.mappings.secrets], 'secrets', 'secrets');
  if (mapped === base) return value;
  // Recorded once, for the whole reference (the suffix is kept as it was), by the rule that
  // mapped its secret.
  const rule = rewriter.rewrites.pop()?.rule ?? 'secrets';
  return rewriter.change(path, value, `${mapped}${suffix}`, rule);
}

/**
 * Maps every primary ARN embedded in `text`; problems name `path`. Replaces each ARN where it
 * was found (one regex pass), so an ARN that is a prefix of another is never half-rewritten.
 */
function mapEmbeddedArns(
  text: string,
  path: string,
  field: 'environment' | 'logOptions',
  rewriter: Rewriter,
  /** Where the change is recorded, when that differs from where problems are reported. */
  changePath = path,
): string {
  const { mappings } = rewriter;
  const reported = new Set<string>();
  let rule = 'arns';
  const result = text.replace(EMBEDDED_ARN, (arn) => {
    const outcome = mapReference(
      arn,
      [mappings.arns, mappings.secrets, mappings.roles, mappings.targetGroups],
      field,
      mappings,
      'arns',
    );
    if (outcome.ok) {
      if (outcome.how === 'rewritten') rule = `rewriteRegionAndAccount:${field}`;
      return outcome.value;
    }
    if (!reported.has(arn)) rewriter.problem(path, outcome.problem);
    reported.add(arn);
    return arn;
  });
  return rewriter.change(changePath, text, result, rule);
}

function mapEnvironment(
  environment: readonly KeyValue[],
  path: string,
  rewriter: Rewriter,
): KeyValue[] {
  const { source, staging } = rewriter.mappings;
  return environment.map((variable) => {
    const fieldPath = `${path}[${variable.name}]`;
    // Problems name the variable; the change record names the exact field that changed.
    const valuePath = `${fieldPath}.value`;
    const override = rewriter.mappings.environment?.[variable.name];
    if (override !== undefined) {
      return {
        ...variable,
        value: rewriter.change(valuePath, variable.value, override, 'environment'),
      };
    }
    let value = mapEmbeddedArns(variable.value, fieldPath, 'environment', rewriter, valuePath);
    if (source.region !== staging.region) {
      // Strip ARNs first so a region inside an ARN (already reported) is not reported twice.
      const withoutArns = value.replace(EMBEDDED_ARN, '');
      if (regionToken(source.region).test(withoutArns)) {
        if (rewriter.mappings.rewriteRegionAndAccount?.includes('environment')) {
          const before = value;
          value = value.replace(regionToken(source.region), `$1${staging.region}`);
          // One record per variable: merge with the ARN rewrite just recorded, if any.
          const previous =
            rewriter.rewrites.at(-1)?.path === valuePath ? rewriter.rewrites.pop() : undefined;
          rewriter.change(
            valuePath,
            previous?.from ?? before,
            value,
            'rewriteRegionAndAccount:environment',
          );
        } else {
          // The value is not echoed: environment values may hold secrets.
          rewriter.problem(
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
  log: LogConfiguration,
  path: string,
  rewriter: Rewriter,
): LogConfiguration {
  const { mappings } = rewriter;
  let options: Record<string, string> | undefined;
  if (log.options) {
    options = {};
    for (const [key, value] of Object.entries(log.options)) {
      const optionPath = `${path}.options[${key}]`;
      if (log.logDriver === 'awslogs' && key === 'awslogs-group') {
        // A log group name is valid anywhere; it is mapped only when staging names it
        // differently, and its existence is checked as a dependency.
        options[key] = rewriter.change(
          optionPath,
          value,
          mappings.logGroups?.[value] ?? value,
          'logGroups',
        );
      } else if (log.logDriver === 'awslogs' && key === 'awslogs-region') {
        // Logs go where the staged task runs, whatever region the source wrote.
        options[key] = rewriter.change(
          optionPath,
          value,
          mappings.staging.region,
          'awslogs-region',
        );
      } else {
        options[key] = mapEmbeddedArns(value, optionPath, 'logOptions', rewriter);
      }
    }
  }
  return {
    ...log,
    ...(options ? { options } : {}),
    ...(log.secretOptions
      ? { secretOptions: mapSecrets(log.secretOptions, `${path}.secretOptions`, rewriter) }
      : {}),
  };
}

function mapRegionalId(
  id: string,
  path: string,
  table: MappingTable | undefined,
  configKey: string,
  rewriter: Rewriter,
): string {
  const mapped = table?.[id];
  if (mapped !== undefined) return rewriter.change(path, id, mapped, configKey);
  if (locationsDiffer(rewriter.mappings)) {
    rewriter.problem(path, `${id} is regional and has no mapping in ${configKey}`);
  }
  return id;
}

function mapVolume(volume: VolumeSpec, rewriter: Rewriter): VolumeSpec {
  const path = `volumes[${volume.name ?? ''}]`;
  const { fileSystems } = rewriter.mappings;
  const efs = volume.efsVolumeConfiguration;
  const fsx = volume.fsxWindowsFileServerVolumeConfiguration;
  const s3files = volume.s3filesVolumeConfiguration;
  const efsPath = `${path}.efsVolumeConfiguration`;
  const fsxPath = `${path}.fsxWindowsFileServerVolumeConfiguration`;
  const accessPointId = efs?.authorizationConfig?.accessPointId;
  return {
    ...volume,
    ...(efs
      ? {
          efsVolumeConfiguration: {
            ...efs,
            fileSystemId: mapRegionalId(
              efs.fileSystemId,
              `${efsPath}.fileSystemId`,
              fileSystems,
              'fileSystems',
              rewriter,
            ),
            ...(efs.authorizationConfig
              ? {
                  authorizationConfig: {
                    ...efs.authorizationConfig,
                    ...(accessPointId !== undefined
                      ? {
                          accessPointId: mapRegionalId(
                            accessPointId,
                            `${efsPath}.authorizationConfig.accessPointId`,
                            fileSystems,
                            'fileSystems',
                            rewriter,
                          ),
                        }
                      : {}),
                  },
                }
              : {}),
          },
        }
      : {}),
    ...(s3files
      ? {
          s3filesVolumeConfiguration: {
            ...s3files,
            fileSystemArn: rewriter.reference(
              s3files.fileSystemArn,
              `${path}.s3filesVolumeConfiguration.fileSystemArn`,
              [fileSystems],
              undefined,
              'fileSystems',
            ),
            ...(s3files.accessPointArn !== undefined
              ? {
                  accessPointArn: rewriter.reference(
                    s3files.accessPointArn,
                    `${path}.s3filesVolumeConfiguration.accessPointArn`,
                    [fileSystems],
                    undefined,
                    'fileSystems',
                  ),
                }
              : {}),
          },
        }
      : {}),
    ...(fsx
      ? {
          fsxWindowsFileServerVolumeConfiguration: {
            ...fsx,
            fileSystemId: mapRegionalId(
              fsx.fileSystemId,
              `${fsxPath}.fileSystemId`,
              fileSystems,
              'fileSystems',
              rewriter,
            ),
            authorizationConfig: {
              ...fsx.authorizationConfig,
              credentialsParameter: mapSecretReference(
                fsx.authorizationConfig.credentialsParameter,
                `${fsxPath}.authorizationConfig.credentialsParameter`,
                rewriter,
              ),
            },
          },
        }
      : {}),
  };
}

function mapStagedImage(container: ContainerDefinitionSpec, rewriter: Rewriter): string {
  const path = `containerDefinitions[${container.name}].image`;
  const staged = rewriter.stagedImages[container.name];
  if (!staged) {
    rewriter.problem(
      path,
      `no staged image for ${container.image}; the image step must stage it first`,
    );
    return container.image;
  }
  if (!isDigest(staged.digest)) {
    rewriter.problem(path, `staged image ${staged.repository} is not pinned by a sha256 digest`);
    return container.image;
  }
  if (staged.registry !== rewriter.mappings.registry) {
    rewriter.problem(
      path,
      `staged image is in ${staged.registry}, not the staging registry ${rewriter.mappings.registry}`,
    );
    return container.image;
  }
  return rewriter.change(path, container.image, imageUri(staged), 'image');
}

/**
 * How one field of a definition reaches staging: `'copy'` (as-is: it holds nothing account- or
 * region-specific) or a function that rewrites it (recording every change). A mapped type over
 * every key, so adding a field to the model without deciding its rule does not compile.
 */
type FieldRules<T> = {
  readonly [K in keyof T]-?:
    | 'copy'
    | ((value: NonNullable<T[K]>, path: string, rewriter: Rewriter, owner: T) => T[K]);
};

const CONTAINER_RULES: FieldRules<ContainerDefinitionSpec> = {
  name: 'copy',
  image: (_image, _path, rewriter, container) => mapStagedImage(container, rewriter),
  repositoryCredentials: (credentials, path, rewriter) => ({
    ...credentials,
    credentialsParameter: mapSecretReference(
      credentials.credentialsParameter,
      `${path}.credentialsParameter`,
      rewriter,
    ),
  }),
  cpu: 'copy',
  memory: 'copy',
  memoryReservation: 'copy',
  links: 'copy',
  portMappings: 'copy',
  essential: 'copy',
  restartPolicy: 'copy',
  entryPoint: 'copy',
  command: 'copy',
  environment: (environment, path, rewriter) => mapEnvironment(environment, path, rewriter),
  environmentFiles: (files, path, rewriter) =>
    files.map((file, index) => ({
      ...file,
      value: rewriter.reference(
        file.value,
        `${path}[${index}].value`,
        [rewriter.mappings.arns],
        'environment',
        'arns',
      ),
    })),
  mountPoints: 'copy',
  volumesFrom: 'copy',
  linuxParameters: 'copy',
  secrets: (secrets, path, rewriter) => mapSecrets(secrets, path, rewriter),
  dependsOn: 'copy',
  startTimeout: 'copy',
  stopTimeout: 'copy',
  versionConsistency: 'copy',
  hostname: 'copy',
  user: 'copy',
  workingDirectory: 'copy',
  disableNetworking: 'copy',
  privileged: 'copy',
  readonlyRootFilesystem: 'copy',
  dnsServers: 'copy',
  dnsSearchDomains: 'copy',
  extraHosts: 'copy',
  dockerSecurityOptions: 'copy',
  interactive: 'copy',
  pseudoTerminal: 'copy',
  dockerLabels: 'copy',
  ulimits: 'copy',
  logConfiguration: (log, path, rewriter) => mapLogConfiguration(log, path, rewriter),
  healthCheck: 'copy',
  systemControls: 'copy',
  resourceRequirements: 'copy',
  firelensConfiguration: (firelens, path, rewriter) =>
    firelens.options
      ? {
          ...firelens,
          options: Object.fromEntries(
            Object.entries(firelens.options).map(([key, value]) => [
              key,
              mapEmbeddedArns(value, `${path}.options[${key}]`, 'logOptions', rewriter),
            ]),
          ),
        }
      : firelens,
  credentialSpecs: (specs, path, rewriter) =>
    specs.map((spec, index) => mapEmbeddedArns(spec, `${path}[${index}]`, 'logOptions', rewriter)),
};

const TASK_RULES: FieldRules<TaskDefinitionSpec> = {
  family: 'copy',
  containerDefinitions: (containers, _path, rewriter) =>
    containers.map((container) =>
      applyRules(container, CONTAINER_RULES, `containerDefinitions[${container.name}]`, rewriter),
    ),
  cpu: 'copy',
  memory: 'copy',
  networkMode: 'copy',
  requiresCompatibilities: 'copy',
  executionRoleArn: (arn, path, rewriter) =>
    rewriter.reference(arn, path, [rewriter.mappings.roles], 'roles', 'roles'),
  taskRoleArn: (arn, path, rewriter) =>
    rewriter.reference(arn, path, [rewriter.mappings.roles], 'roles', 'roles'),
  pidMode: 'copy',
  ipcMode: 'copy',
  runtimePlatform: 'copy',
  volumes: (volumes, _path, rewriter) => volumes.map((volume) => mapVolume(volume, rewriter)),
  ephemeralStorage: 'copy',
  placementConstraints: 'copy',
  proxyConfiguration: 'copy',
  inferenceAccelerators: 'copy',
  enableFaultInjection: 'copy',
};

/** The fields a task definition carries, in the model's (= RegisterTaskDefinition's) terms. */
export const TASK_DEFINITION_FIELDS = Object.keys(
  TASK_RULES,
) as readonly (keyof TaskDefinitionSpec)[];

/** The fields a container definition carries, in the model's (= ECS's) terms. */
export const CONTAINER_DEFINITION_FIELDS = Object.keys(
  CONTAINER_RULES,
) as readonly (keyof ContainerDefinitionSpec)[];

/**
 * Applies `rules` to every field `value` has. A field with no rule (one a newer ECS added that
 * this model does not know) is refused rather than dropped: a silent loss is the one outcome a
 * clone must never have.
 */
function applyRules<T extends object>(
  value: T,
  rules: FieldRules<T>,
  path: string,
  rewriter: Rewriter,
): T {
  const result: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field === undefined) continue;
    const rule = (rules as Record<string, FieldRules<T>[keyof T] | undefined>)[key];
    const fieldPath = path ? `${path}.${key}` : key;
    if (rule === undefined) {
      rewriter.problem(fieldPath, 'is not a field this version of Understudy can clone');
      continue;
    }
    result[key] =
      rule === 'copy'
        ? structuredClone(field)
        : (rule as (v: unknown, p: string, r: Rewriter, o: T) => unknown)(
            field,
            fieldPath,
            rewriter,
            value,
          );
  }
  return result as T;
}

/**
 * What ECS itself would refuse, or a clone would break, found before anything is registered:
 * an `awsfirelens` log driver with no FireLens container, a mount of a volume the task does not
 * define, volumes from (or a dependency on, or a proxy in) a container that is not there.
 */
function checkReferences(spec: TaskDefinitionSpec, rewriter: Rewriter): void {
  const containers = new Set(spec.containerDefinitions.map((container) => container.name));
  const volumes = new Set((spec.volumes ?? []).map((volume) => volume.name));
  const router = spec.containerDefinitions.find((container) => container.firelensConfiguration);
  for (const container of spec.containerDefinitions) {
    const path = `containerDefinitions[${container.name}]`;
    if (container.logConfiguration?.logDriver === 'awsfirelens' && !router) {
      rewriter.problem(
        `${path}.logConfiguration.logDriver`,
        'awsfirelens needs a container with firelensConfiguration in the task (ECS rejects the task definition without one)',
      );
    }
    for (const mount of container.mountPoints ?? []) {
      if (mount.sourceVolume !== undefined && !volumes.has(mount.sourceVolume)) {
        rewriter.problem(
          `${path}.mountPoints[${mount.sourceVolume}]`,
          `sourceVolume ${mount.sourceVolume} is not a volume of the task definition`,
        );
      }
    }
    for (const from of container.volumesFrom ?? []) {
      if (from.sourceContainer !== undefined && !containers.has(from.sourceContainer)) {
        rewriter.problem(
          `${path}.volumesFrom[${from.sourceContainer}]`,
          `sourceContainer ${from.sourceContainer} is not a container of the task definition`,
        );
      }
    }
    for (const dependency of container.dependsOn ?? []) {
      if (!containers.has(dependency.containerName)) {
        rewriter.problem(
          `${path}.dependsOn[${dependency.containerName}]`,
          `container ${dependency.containerName} is not in the task definition`,
        );
      }
    }
  }
  const proxy = spec.proxyConfiguration?.containerName;
  if (proxy !== undefined && !containers.has(proxy)) {
    rewriter.problem(
      'proxyConfiguration.containerName',
      `container ${proxy} is not in the task definition`,
    );
  }
}

/** A task definition in staging terms, with the record of every change made to get there. */
export interface StagingRewrite {
  readonly spec: TaskDefinitionSpec;
  /** Every field that differs from the source, with the rule that changed it. */
  readonly rewrites: readonly CloneRewrite[];
}

/**
 * Rewrites a source task definition (already {@link stripAwsFilledFields stripped}) into the spec
 * registered in staging. Every field is carried (see the rule tables); the ones that change are
 * - every container image → its staged `registry/repo@sha256:…` (from `stagedImages`, keyed by
 *   container name; each container must have one in the staging registry);
 * - execution and task roles, secrets, log `secretOptions`, repository credentials and FSx
 *   credentials → mapped ARNs;
 * - `awslogs-group` → mapped name (else kept), `awslogs-region` → the staging region;
 * - environment values: overrides from `mappings.environment`, embedded primary ARNs mapped, and
 *   a bare mention of the primary region rewritten only if allowed; environment files, FireLens
 *   options and credential specs: embedded ARNs mapped;
 * - EFS and FSx file systems and access points → mapped ids.
 *
 * @returns the staged spec and one {@link CloneRewrite} per changed value.
 * @throws CloneValidationError listing every unmappable reference with its container/field path,
 *   each naming the config key that would fix it, and every reference ECS would reject.
 */
export function rewriteTaskDefinition(
  spec: TaskDefinitionSpec,
  mappings: CloneMappings,
  stagedImages: Readonly<Record<string, ImageReference>>,
): StagingRewrite {
  const rewriter = new Rewriter(mappings, stagedImages);
  const source = stripAwsFilledFields(spec);
  checkReferences(source, rewriter);
  const staged = applyRules(source, TASK_RULES, '', rewriter);
  throwIfIssues(`task definition ${spec.family} cannot be cloned to staging`, rewriter.issues);
  return { spec: staged, rewrites: rewriter.rewrites };
}

/**
 * {@link rewriteTaskDefinition} when only the staged spec is needed.
 *
 * @throws CloneValidationError as {@link rewriteTaskDefinition} does.
 */
export function rewriteForStaging(
  spec: TaskDefinitionSpec,
  mappings: CloneMappings,
  stagedImages: Readonly<Record<string, ImageReference>>,
): TaskDefinitionSpec {
  return rewriteTaskDefinition(spec, mappings, stagedImages).spec;
}
