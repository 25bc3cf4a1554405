/**
 * The content diff behind `understudy inventory diff`: two clone versions' content flattened to
 * JSON paths and compared leaf by leaf. Arrays of named things (containers, environment variables,
 * secrets, security groups, load balancers) are keyed by their name rather than their position,
 * so one added variable reads as one addition instead of every later element "changing".
 */
import type { CloneContent } from '../../functions/core/model';

/** What part of a clone a change concerns, so a reader can scan for what matters to them. */
export type DiffSection =
  | 'images'
  | 'environment'
  | 'secrets'
  | 'rules'
  | 'service definition'
  | 'task definition'
  | 'dependencies'
  | 'source'
  | 'other';

/** One changed leaf. `from` is absent for an addition, `to` for a removal. */
export interface ContentChange {
  /** JSON path, e.g. `taskDefinition.containerDefinitions[app].environment[MODE].value`. */
  readonly path: string;
  readonly kind: 'added' | 'removed' | 'changed';
  readonly section: DiffSection;
  readonly from?: unknown;
  readonly to?: unknown;
}

/**
 * Fields that identify an element of an array, tried in order. An array is keyed by the first
 * field every element has as a unique string; otherwise by index.
 */
const KEY_FIELDS = ['name', 'containerName', 'groupId', 'targetGroupArn', 'registryArn'] as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The key field of an array of objects, when one identifies each element uniquely. */
function keyFieldOf(items: readonly unknown[]): string | undefined {
  if (items.length === 0 || !items.every(isRecord)) return undefined;
  for (const field of KEY_FIELDS) {
    const keys = items.map((item) => (item as Record<string, unknown>)[field]);
    if (keys.every((key) => typeof key === 'string') && new Set(keys).size === keys.length) {
      return field;
    }
  }
  return undefined;
}

/**
 * Flattens a JSON value into path → leaf, and records every array element under its path in
 * `elements` (so a wholly added or removed element can be reported once). Arrays of scalars
 * (commands, subnets) stay one leaf: their order is meaningful and a whole-value comparison
 * reads better than per-index noise.
 */
function flatten(
  value: unknown,
  path: string,
  out: Map<string, unknown>,
  elements: Map<string, unknown>,
): void {
  if (Array.isArray(value)) {
    if (value.length === 0 || !value.some((item) => isRecord(item) || Array.isArray(item))) {
      out.set(path, value);
      return;
    }
    const field = keyFieldOf(value);
    value.forEach((item, index) => {
      const key = field ? String((item as Record<string, unknown>)[field]) : String(index);
      elements.set(`${path}[${key}]`, item);
      flatten(item, `${path}[${key}]`, out, elements);
    });
    return;
  }
  if (isRecord(value)) {
    const keys = Object.keys(value).filter((key) => value[key] !== undefined);
    if (keys.length === 0) {
      out.set(path, {});
      return;
    }
    for (const key of keys.sort()) {
      flatten(value[key], path ? `${path}.${key}` : key, out, elements);
    }
    return;
  }
  out.set(path, value);
}

/** True when `path` is `element` or lies inside it. */
function within(path: string, element: string): boolean {
  return path === element || path.startsWith(`${element}.`) || path.startsWith(`${element}[`);
}

/** Elements present on one side only, outermost only: none lies inside another. */
function loneElements(
  mine: ReadonlyMap<string, unknown>,
  theirs: ReadonlyMap<string, unknown>,
): string[] {
  const lone = [...mine.keys()].filter((path) => !theirs.has(path)).sort();
  return lone.filter((path) => !lone.some((other) => other !== path && within(path, other)));
}

/** The section a path belongs to. Environment and secrets win over their enclosing sections. */
export function sectionOf(path: string): DiffSection {
  if (path.includes('.environment[') || path.endsWith('.environment')) return 'environment';
  if (path.includes('.secrets[') || path.endsWith('.secrets') || path.includes('.secretOptions'))
    return 'secrets';
  if (path.startsWith('images')) return 'images';
  if (path.startsWith('networkRules')) return 'rules';
  if (path.startsWith('serviceDefinition')) return 'service definition';
  if (path.startsWith('taskDefinition') || path.startsWith('stagedTaskDefinitionArn'))
    return 'task definition';
  if (path.startsWith('dependencies')) return 'dependencies';
  if (path.startsWith('source')) return 'source';
  return 'other';
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a as Json) === JSON.stringify(b as Json);
}

/**
 * Every difference between `a` and `b`, in path order: an element of a keyed array (a container,
 * a variable, a group) added or removed as a whole is one change; anything else is one change per
 * differing leaf. Empty when the content is equal.
 */
export function diffContent(a: CloneContent, b: CloneContent): ContentChange[] {
  const left = new Map<string, unknown>();
  const right = new Map<string, unknown>();
  const leftElements = new Map<string, unknown>();
  const rightElements = new Map<string, unknown>();
  flatten(a, '', left, leftElements);
  flatten(b, '', right, rightElements);
  const removed = loneElements(leftElements, rightElements);
  const added = loneElements(rightElements, leftElements);
  const changes: ContentChange[] = [
    ...removed.map(
      (path): ContentChange => ({
        path,
        kind: 'removed',
        section: sectionOf(path),
        from: leftElements.get(path),
      }),
    ),
    ...added.map(
      (path): ContentChange => ({
        path,
        kind: 'added',
        section: sectionOf(path),
        to: rightElements.get(path),
      }),
    ),
  ];
  const wholes = [...removed, ...added];
  const paths = [...new Set([...left.keys(), ...right.keys()])].filter(
    (path) => !wholes.some((element) => within(path, element)),
  );
  for (const path of paths) {
    const inLeft = left.has(path);
    const inRight = right.has(path);
    const section = sectionOf(path);
    if (inLeft && !inRight) {
      changes.push({ path, kind: 'removed', section, from: left.get(path) });
    } else if (!inLeft && inRight) {
      changes.push({ path, kind: 'added', section, to: right.get(path) });
    } else if (!sameJson(left.get(path), right.get(path))) {
      changes.push({ path, kind: 'changed', section, from: left.get(path), to: right.get(path) });
    }
  }
  return changes.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

/** The order sections are printed in: what an operator checks first comes first. */
export const SECTION_ORDER: readonly DiffSection[] = [
  'images',
  'environment',
  'secrets',
  'rules',
  'service definition',
  'task definition',
  'dependencies',
  'source',
  'other',
];

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value as Json);
}

/** A readable diff: changes grouped by section, `~` changed, `+` added, `-` removed. */
export function formatDiff(
  service: string,
  from: number,
  to: number,
  changes: readonly ContentChange[],
): string {
  if (changes.length === 0) {
    return `${service}: versions ${from} and ${to} have identical content\n`;
  }
  const lines = [
    `${service}: ${changes.length} change${changes.length === 1 ? '' : 's'} from version ${from} to version ${to}`,
  ];
  for (const section of SECTION_ORDER) {
    const inSection = changes.filter((change) => change.section === section);
    if (inSection.length === 0) continue;
    lines.push('', `${section}:`);
    for (const change of inSection) {
      if (change.kind === 'changed') {
        lines.push(`  ~ ${change.path}: ${show(change.from)} -> ${show(change.to)}`);
      } else if (change.kind === 'added') {
        lines.push(`  + ${change.path}: ${show(change.to)}`);
      } else {
        lines.push(`  - ${change.path}: ${show(change.from)}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}
