/**
 * The rewrites of a report's service: every value that differs between the source and the staged
 * pair, and every field of the source missing from the staged one, found by walking both. The
 * walk is the ground truth (nothing can differ without a line here); the clone core's own record
 * of each change (`CloneRewrite.rule`) names the rule where it knows the path.
 */
import type { CloneRewrite } from '../../../functions/core/model';
import type { DrillRewrite, JsonValue } from './report';

function isObject(value: JsonValue | undefined): value is { readonly [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Guesses the rule of a change the clone core did not list (by the field's name). */
function ruleOf(path: string, known: ReadonlyMap<string, string>): string {
  const exact = known.get(path);
  if (exact) return exact;
  const field =
    path
      .replace(/\[[^\]]*\]/g, '')
      .split('.')
      .pop() ?? '';
  if (field === 'image') return 'image';
  if (/Arn$|Arns$/.test(field)) return 'staging-arn';
  if (/subnets|securityGroups/.test(path)) return 'staging-network';
  if (field === 'cluster' || field === 'serviceName') return 'staging-name';
  return 'staging';
}

/**
 * Every difference from `source` to `staged` as `{path, from, to, rule}`, rooted at `root`.
 * Arrays are compared element by element; a field missing from `staged` is `to: null`.
 */
export function diffRewrites(
  root: string,
  source: JsonValue,
  staged: JsonValue | undefined,
  coreRewrites: readonly CloneRewrite[] = [],
): DrillRewrite[] {
  const known = new Map(coreRewrites.map((r) => [`${root}.${r.path}`, r.rule]));
  const out: DrillRewrite[] = [];
  const walk = (path: string, from: JsonValue, to: JsonValue | undefined) => {
    if (to === undefined) {
      out.push({ path, from, to: null, rule: `dropped:${ruleOf(path, known)}` });
      return;
    }
    if (isObject(from) && isObject(to)) {
      for (const key of Object.keys(from)) walk(`${path}.${key}`, from[key] as JsonValue, to[key]);
      return;
    }
    if (Array.isArray(from) && Array.isArray(to)) {
      for (const [index, item] of (from as readonly JsonValue[]).entries()) {
        walk(`${path}[${index}]`, item, (to as readonly JsonValue[])[index]);
      }
      return;
    }
    if (JSON.stringify(from) !== JSON.stringify(to)) {
      out.push({ path, from, to, rule: ruleOf(path, known) });
    }
  };
  walk(root, source, staged);
  return out;
}

/** Drops `undefined` fields (and turns the value into plain JSON). */
export function toJson<T>(value: T): JsonValue {
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}
