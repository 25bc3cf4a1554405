/**
 * ARN parsing and the one rule every mapping follows: a reference is left as it is when it works
 * in staging unchanged, mapped when config says how, rewritten (region and account swapped) when
 * config allows that for its field, and otherwise reported as a problem.
 */
import type { ArnRewriteField, CloneMappings, MappingTable } from './mappings';

/** The parts of an ARN (`arn:partition:service:region:account:resource`). */
export interface Arn {
  readonly partition: string;
  readonly service: string;
  /** Empty for global services (IAM, S3). */
  readonly region: string;
  /** Empty for some services (S3 buckets). */
  readonly account: string;
  /** Everything after the account field, colons included. */
  readonly resource: string;
}

const ARN_SHAPE = /^arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|):(.+)$/;

/**
 * ARNs embedded in free text (environment values, log options, JSON in a value): the resource
 * part runs to whitespace, a quote, a separator or a bracket, and a sentence's final period is
 * not part of it.
 */
export const EMBEDDED_ARN =
  /arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(?:\d{12})?:[^\s"'`,;|<>()[\]{}]*[^\s"'`,;|<>()[\]{}.]/g;

/** Parses an ARN; undefined when `value` is not one. */
export function parseArn(value: string): Arn | undefined {
  const match = ARN_SHAPE.exec(value);
  if (!match) return undefined;
  const [, partition = '', service = '', region = '', account = '', resource = ''] = match;
  return { partition, service, region, account, resource };
}

/** Formats the parts of an ARN back into its string form. */
export function formatArn(arn: Arn): string {
  return `arn:${arn.partition}:${arn.service}:${arn.region}:${arn.account}:${arn.resource}`;
}

/** Every ARN embedded in `text`, in order of appearance. */
export function findEmbeddedArns(text: string): string[] {
  return text.match(EMBEDDED_ARN) ?? [];
}

/**
 * True when the ARN names the primary's region or account where staging differs: such a
 * reference would reach the primary (or fail) from staging, so it must be mapped.
 */
export function isPrimarySpecific(arn: Arn, mappings: Pick<CloneMappings, 'source' | 'staging'>) {
  const { source, staging } = mappings;
  const regionBound = arn.region !== '' && arn.region === source.region;
  const accountBound = arn.account !== '' && arn.account === source.account;
  return (
    (regionBound && source.region !== staging.region) ||
    (accountBound && source.account !== staging.account)
  );
}

/** Swaps the primary's region and account for staging's where the ARN carries them. */
export function rewriteArnRegionAndAccount(
  arn: Arn,
  mappings: Pick<CloneMappings, 'source' | 'staging'>,
): string {
  return formatArn({
    ...arn,
    region: arn.region === mappings.source.region ? mappings.staging.region : arn.region,
    account: arn.account === mappings.source.account ? mappings.staging.account : arn.account,
  });
}

/**
 * Secrets Manager references may add `:json-key:version-stage:version-id` after the secret ARN;
 * the mapping is keyed by the secret itself, so split the reference into the secret and the rest.
 */
export function splitSecretReference(value: string): { base: string; suffix: string } {
  const arn = parseArn(value);
  if (arn?.service !== 'secretsmanager') return { base: value, suffix: '' };
  const parts = value.split(':');
  // arn:aws:secretsmanager:region:account:secret:name-AbCdEf → seven fields
  return {
    base: parts.slice(0, 7).join(':'),
    suffix: parts.length > 7 ? `:${parts.slice(7).join(':')}` : '',
  };
}

/** Outcome of mapping one reference. */
export type MapOutcome =
  | { readonly ok: true; readonly value: string; readonly how: 'mapped' | 'kept' | 'rewritten' }
  | { readonly ok: false; readonly problem: string };

/**
 * Maps one reference (ARN, name or id) to staging. Looks it up in `tables` in order; if absent,
 * keeps it when it is not primary-specific; rewrites region/account when `field` is listed in
 * `rewriteRegionAndAccount`; otherwise returns the problem, naming what config key would fix it.
 */
export function mapReference(
  value: string,
  tables: readonly (MappingTable | undefined)[],
  field: ArnRewriteField | undefined,
  mappings: CloneMappings,
  configKey: string,
): MapOutcome {
  for (const table of tables) {
    const mapped = table?.[value];
    if (mapped !== undefined) return { ok: true, value: mapped, how: 'mapped' };
  }
  const arn = parseArn(value);
  if (!arn || !isPrimarySpecific(arn, mappings)) return { ok: true, value, how: 'kept' };
  if (field && mappings.rewriteRegionAndAccount?.includes(field)) {
    return { ok: true, value: rewriteArnRegionAndAccount(arn, mappings), how: 'rewritten' };
  }
  return {
    ok: false,
    problem: `${value} belongs to the primary (${mappings.source.account}/${mappings.source.region}) and has no mapping in ${configKey}`,
  };
}
