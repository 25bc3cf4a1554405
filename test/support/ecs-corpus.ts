/**
 * The real-definition corpus (`test/fixtures/ecs/`, see its SOURCES.md) and the field-by-field
 * comparison every corpus test uses: a staged copy must hold every leaf of the source JSON with
 * the same value, unless a recorded {@link CloneRewrite} changed exactly that leaf from exactly
 * that value; anything the copy holds beyond the source must be one of ECS's documented
 * defaults. A field the clone lost therefore fails the comparison, whatever the hash says.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { CloneMappings } from '../../functions/core/clone/mappings';
import type {
  CloneRewrite,
  Digest,
  ImageReference,
  TaskDefinitionSpec,
} from '../../functions/core/model';

/** Where the corpus lives. */
export const CORPUS_DIR = path.join(__dirname, '..', 'fixtures', 'ecs');

/** Every task definition of the corpus, by file name, as the source wrote it. */
export function taskDefinitionCorpus(): { file: string; json: Record<string, unknown> }[] {
  const dir = path.join(CORPUS_DIR, 'task-definitions');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ file, json: JSON.parse(readFileSync(path.join(dir, file), 'utf8')) }));
}

/** Every service definition of the corpus, by file name, as the source wrote it. */
export function serviceCorpus(): { file: string; json: Record<string, unknown> }[] {
  const dir = path.join(CORPUS_DIR, 'services');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ file, json: JSON.parse(readFileSync(path.join(dir, file), 'utf8')) }));
}

/** The primary of the corpus: its placeholders became this account and region. */
export const CORPUS_PRIMARY = { account: '111111111111', region: 'eu-west-1' } as const;
/** A staging account and region that differ from the primary in both. */
export const CORPUS_STAGING = { account: '222222222222', region: 'eu-central-1' } as const;
const STAGING_REGISTRY = `${CORPUS_STAGING.account}.dkr.ecr.${CORPUS_STAGING.region}.amazonaws.com`;

/**
 * The mapping config an operator would write for the corpus: roles, secrets, environment and
 * log options rewritten generically (same names in the staging account and region), and the
 * three file systems the corpus mounts mapped to staging replicas. Nothing else: every other
 * primary reference must be kept (valid in staging) or refused.
 */
export function corpusMappings(): CloneMappings {
  return {
    source: CORPUS_PRIMARY,
    staging: CORPUS_STAGING,
    registry: STAGING_REGISTRY,
    cluster: 'understudy',
    vpcId: 'vpc-0staging',
    rewriteRegionAndAccount: ['roles', 'secrets', 'environment', 'logOptions'],
    fileSystems: {
      'fs-c3c9bcbb': 'fs-0a1b2c3d4e5f60001',
      'fs-0123456789abcdef0': 'fs-0a1b2c3d4e5f60002',
      'fs-0eeb5730b2a1b2c3d': 'fs-0a1b2c3d4e5f60003',
    },
  };
}

/**
 * Staged images for every container: what the image step would return (a staging-registry
 * repository named after the source's, pinned by a digest). The corpus's images live in
 * registries this test cannot reach; the copy itself is covered by the image-step tests.
 */
export function corpusStagedImages(spec: TaskDefinitionSpec): Record<string, ImageReference> {
  const images: Record<string, ImageReference> = {};
  for (const container of spec.containerDefinitions) {
    const withoutDigest = container.image.split('@')[0] ?? container.image;
    const slash = withoutDigest.indexOf('/');
    const afterRegistry =
      slash > 0 && /[.:]/.test(withoutDigest.slice(0, slash))
        ? withoutDigest.slice(slash + 1)
        : withoutDigest;
    const repository = afterRegistry.replace(/:[^/]*$/, '').toLowerCase();
    const hex = createHash('sha256').update(container.image).digest('hex');
    images[container.name] = {
      registry: STAGING_REGISTRY,
      repository,
      digest: `sha256:${hex}` as Digest,
    };
  }
  return images;
}

/** Arrays whose items are identified by `name` (order carries no meaning to ECS). */
function keyOf(item: unknown, index: number): string {
  if (item !== null && typeof item === 'object' && 'name' in item) {
    const name = (item as { name: unknown }).name;
    if (typeof name === 'string') return name;
  }
  return String(index);
}

/**
 * Every leaf of `value` by path, in the notation of clone issues and rewrites:
 * `containerDefinitions[web].secrets[DB].valueFrom`, `environmentFiles[0].value`,
 * `logConfiguration.options[awslogs-region]`. Empty arrays and objects are leaves too.
 */
export function leaves(value: unknown, at = '', out = new Map<string, unknown>()) {
  if (Array.isArray(value)) {
    if (value.length === 0) out.set(at, []);
    value.forEach((item, index) => {
      leaves(item, `${at}[${keyOf(item, index)}]`, out);
    });
  } else if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) out.set(at, {});
    for (const [key, item] of entries) {
      // Free-form maps (options, labels, driver options) are keyed like issue paths.
      const freeForm = /(options|Options|dockerLabels|labels|driverOpts)$/.test(at);
      leaves(item, freeForm ? `${at}[${key}]` : at ? `${at}.${key}` : key, out);
    }
  } else if (value !== undefined) {
    out.set(at, value);
  }
  return out;
}

/** A value the copy may hold where the source said nothing: ECS's (and moto's) defaults. */
export interface DefaultRule {
  readonly path: RegExp;
  readonly value: unknown;
  readonly why: string;
}

/** Defaults DescribeTaskDefinition reports for fields registered without them. */
export const ECS_TASK_DEFAULTS: readonly DefaultRule[] = [
  { path: /\]\.cpu$/, value: 0, why: 'container cpu defaults to 0' },
  { path: /\]\.essential$/, value: true, why: 'a container is essential by default' },
  { path: /^networkMode$/, value: 'bridge', why: 'EC2 tasks default to bridge' },
  { path: /^networkMode$/, value: 'awsvpc', why: 'Fargate tasks are awsvpc' },
  {
    path: /\.efsVolumeConfiguration\.rootDirectory$/,
    value: '/',
    why: 'EFS volumes mount the root by default',
  },
];

/** A known difference the backend (not the clone) makes, with where it is covered instead. */
export interface BackendDeviation {
  readonly file: string;
  readonly path: string;
  readonly why: string;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Compares a staged copy with its source leaf by leaf. Returns one line per difference that no
 * rewrite and no default explains (empty when the copy is lossless).
 */
export function unexplainedDifferences(input: {
  readonly source: unknown;
  readonly copy: unknown;
  readonly rewrites: readonly CloneRewrite[];
  readonly ignore?: readonly string[];
  readonly defaults?: readonly DefaultRule[];
}): string[] {
  const source = leaves(input.source);
  const copy = leaves(input.copy);
  const ignore = new Set(input.ignore ?? []);
  const rewrites = new Map(input.rewrites.map((rewrite) => [rewrite.path, rewrite]));
  const problems: string[] = [];
  for (const rewrite of input.rewrites) {
    const at = rewrite.path;
    if (!source.has(at)) problems.push(`${at}: rewrite recorded for a field the source lacks`);
    else if (source.get(at) !== rewrite.from) {
      problems.push(
        `${at}: rewrite says from ${rewrite.from}, source has ${String(source.get(at))}`,
      );
    }
  }
  for (const [at, value] of source) {
    if (ignore.has(at)) continue;
    const rewrite = rewrites.get(at);
    const expected = rewrite ? rewrite.to : value;
    if (!copy.has(at)) {
      // An empty list or object is "not set" to ECS: dropping one loses nothing.
      if (sameJson(value, []) || sameJson(value, {})) continue;
      problems.push(`${at}: lost (source ${JSON.stringify(value)})`);
    } else if (!sameJson(copy.get(at), expected)) {
      problems.push(
        `${at}: ${JSON.stringify(value)} became ${JSON.stringify(copy.get(at))}${rewrite ? ` (rewrite said ${rewrite.to})` : ' with no rewrite recorded'}`,
      );
    }
  }
  for (const [at, value] of copy) {
    if (source.has(at) || ignore.has(at)) continue;
    // A default under a path the source had as an empty list or object is still a default.
    if (sameJson(value, []) || sameJson(value, {})) continue;
    const explained = (input.defaults ?? ECS_TASK_DEFAULTS).some(
      (rule) => rule.path.test(at) && sameJson(rule.value, value),
    );
    if (!explained) problems.push(`${at}: added ${JSON.stringify(value)} (not in the source)`);
  }
  return problems;
}
