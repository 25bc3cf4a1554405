/**
 * A sandbox location's ECS, ECR and EC2 state as plain JSON, and back: the local drill keeps its
 * staging location this way (`DIR/state/staging.json`), so `understudy inventory validate --local`
 * re-validates the drill's clones against the staging the drill left behind, with the production
 * re-validation code and the sandbox's own ports.
 *
 * The state classes hold only plain data (maps, sets, records, byte arrays), so one tagged
 * encoding covers them all and a new field is carried without touching this file. CloudWatch
 * series are left out: re-validation never reads them, and they are most of the bytes.
 */
import { ValidationError } from '../../core/errors';
import type { Location } from '../../core/model';
import { LocationState } from './sandbox-state';

/** Version of the snapshot's shape. */
export const LOCATION_SNAPSHOT_VERSION = 1;

/** A tagged JSON value: maps, sets and bytes spelled so that they come back as what they were. */
type Encoded =
  | null
  | boolean
  | number
  | string
  | readonly Encoded[]
  | { readonly $map: readonly (readonly [Encoded, Encoded])[] }
  | { readonly $set: readonly Encoded[] }
  | { readonly $bytes: string }
  | { readonly [key: string]: Encoded };

/** One location's state, as written to disk. */
export interface LocationSnapshot {
  readonly snapshotVersion: typeof LOCATION_SNAPSHOT_VERSION;
  readonly location: Location;
  readonly ecs: Encoded;
  readonly ecr: Encoded;
  readonly ec2: Encoded;
}

function encode(value: unknown): Encoded {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') {
    return value;
  }
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('base64') };
  if (value instanceof Map) {
    return { $map: [...value.entries()].map(([k, v]) => [encode(k), encode(v)] as const) };
  }
  if (value instanceof Set) return { $set: [...value].map(encode) };
  if (Array.isArray(value)) return value.map(encode);
  if (typeof value === 'object') {
    const out: Record<string, Encoded> = {};
    for (const [key, field] of Object.entries(value)) {
      // An absent optional field stays absent rather than coming back as null.
      if (field !== undefined) out[key] = encode(field);
    }
    return out;
  }
  throw new ValidationError(`cannot snapshot a ${typeof value} value`);
}

function decode(value: Encoded, path: string): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v, i) => decode(v, `${path}[${i}]`));
  const record = value as Record<string, Encoded>;
  if ('$bytes' in record) {
    if (typeof record.$bytes !== 'string') throw corrupt(path, '$bytes is not a string');
    return new Uint8Array(Buffer.from(record.$bytes, 'base64'));
  }
  if ('$map' in record) {
    if (!Array.isArray(record.$map)) throw corrupt(path, '$map is not a list');
    return new Map(
      (record.$map as readonly Encoded[]).map((entry, i) => {
        if (!Array.isArray(entry) || entry.length !== 2) {
          throw corrupt(`${path}.$map[${i}]`, 'an entry is not a [key, value] pair');
        }
        return [
          decode(entry[0], `${path}.$map[${i}][0]`),
          decode(entry[1], `${path}.$map[${i}][1]`),
        ];
      }),
    );
  }
  if ('$set' in record) {
    if (!Array.isArray(record.$set)) throw corrupt(path, '$set is not a list');
    return new Set(
      (record.$set as readonly Encoded[]).map((v, i) => decode(v, `${path}.$set[${i}]`)),
    );
  }
  return Object.fromEntries(
    Object.entries(record).map(([key, field]) => [key, decode(field, `${path}.${key}`)]),
  );
}

function corrupt(path: string, why: string): ValidationError {
  return new ValidationError(`the staging snapshot is damaged at ${path}: ${why}`);
}

/** The ECS, ECR and EC2 state of one location, as JSON-safe data. */
export function snapshotLocation(state: LocationState): LocationSnapshot {
  return {
    snapshotVersion: LOCATION_SNAPSHOT_VERSION,
    location: { account: state.location.account, region: state.location.region },
    ecs: encode(state.ecs),
    ecr: encode(state.ecr),
    ec2: encode(state.ec2),
  };
}

/**
 * A location state rebuilt from {@link snapshotLocation}'s output (after a JSON round trip).
 *
 * @throws ValidationError when the value is not a snapshot of this version, or is damaged.
 */
export function restoreLocation(snapshot: unknown): LocationState {
  const s = snapshot as Partial<LocationSnapshot> | null;
  if (
    typeof s !== 'object' ||
    s === null ||
    s.snapshotVersion !== LOCATION_SNAPSHOT_VERSION ||
    typeof s.location?.account !== 'string' ||
    typeof s.location?.region !== 'string'
  ) {
    throw new ValidationError(
      `not a sandbox location snapshot of version ${LOCATION_SNAPSHOT_VERSION}`,
    );
  }
  const fields = (part: 'ecs' | 'ecr' | 'ec2'): Record<string, unknown> => {
    const decoded = decode(s[part] ?? null, part);
    if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) {
      throw corrupt(part, 'not an object');
    }
    return decoded as Record<string, unknown>;
  };
  // The id prefix is one of Ec2State's own fields, so assigning the fields restores it too.
  const state = new LocationState(s.location, '');
  Object.assign(state.ecs, fields('ecs'));
  Object.assign(state.ecr, fields('ecr'));
  Object.assign(state.ec2, fields('ec2'));
  return state;
}
