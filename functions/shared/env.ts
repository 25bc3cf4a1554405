/**
 * Environment variables, read once at module load by handlers. A missing or malformed value
 * fails the cold start with a message naming the variable, instead of a confusing error on the
 * first request (the pattern of Powertools' `getStringFromEnv`).
 */

import { readFileSync } from 'node:fs';
import { UnderstudyError } from '../core/errors';

/** A required variable is absent or malformed. Names the variable so the fix is obvious. */
export class EnvironmentError extends UnderstudyError {
  public constructor(
    public readonly variable: string,
    message: string,
  ) {
    super('EnvironmentError', `environment variable ${variable} ${message}`);
    this.name = 'EnvironmentError';
  }
}

/** Where values come from; `process.env` unless a test passes its own. */
export type EnvSource = Readonly<Record<string, string | undefined>>;

/** A required, non-empty string. */
export function requireString(name: string, env: EnvSource = process.env): string {
  const value = env[name]?.trim();
  if (!value) throw new EnvironmentError(name, 'is required but not set');
  return value;
}

/** An optional string; `fallback` when unset or empty. */
export function optionalString(name: string, fallback: string, env?: EnvSource): string;
export function optionalString(
  name: string,
  fallback?: undefined,
  env?: EnvSource,
): string | undefined;
export function optionalString(
  name: string,
  fallback?: string,
  env: EnvSource = process.env,
): string | undefined {
  const value = env[name]?.trim();
  return value ? value : fallback;
}

/** A required integer (optionally with a default when unset). */
export function requireInteger(
  name: string,
  options: { readonly fallback?: number; readonly min?: number; readonly max?: number } = {},
  env: EnvSource = process.env,
): number {
  const raw = env[name]?.trim();
  if (!raw) {
    if (options.fallback !== undefined) return options.fallback;
    throw new EnvironmentError(name, 'is required but not set');
  }
  const value = Number(raw);
  if (!Number.isInteger(value))
    throw new EnvironmentError(name, `must be an integer, got "${raw}"`);
  if (options.min !== undefined && value < options.min) {
    throw new EnvironmentError(name, `must be at least ${options.min}, got ${value}`);
  }
  if (options.max !== undefined && value > options.max) {
    throw new EnvironmentError(name, `must be at most ${options.max}, got ${value}`);
  }
  return value;
}

/** A required AWS region code such as `eu-west-1`. */
export function requireRegion(name: string, env: EnvSource = process.env): string {
  const value = requireString(name, env);
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(value)) {
    throw new EnvironmentError(name, `must be an AWS region code, got "${value}"`);
  }
  return value;
}

/** A required 12-digit AWS account id. */
export function requireAccount(name: string, env: EnvSource = process.env): string {
  const value = requireString(name, env);
  if (!/^\d{12}$/.test(value)) {
    throw new EnvironmentError(name, `must be a 12-digit account id, got "${value}"`);
  }
  return value;
}

/** A required IAM role ARN. */
export function requireRoleArn(name: string, env: EnvSource = process.env): string {
  const value = requireString(name, env);
  if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(value)) {
    throw new EnvironmentError(name, `must be an IAM role ARN, got "${value}"`);
  }
  return value;
}

/**
 * A JSON document given inline (`names.inline`) or, when `names.file` is set, as a file bundled
 * with the function (Lambda caps all variables at 4 KB together), validated by `schema`.
 * Returns the variable the document came from with its parsed value, so later checks can name it.
 *
 * @throws EnvironmentError naming the variable: unreadable file, bad JSON, or each bad key.
 */
export function readJsonDocument<T>(
  names: { readonly inline: string; readonly file: string },
  schema: {
    safeParse(value: unknown):
      | { success: true; data: T }
      | {
          success: false;
          error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] };
        };
  },
  env: EnvSource = process.env,
): { readonly variable: string; readonly value: T } {
  const file = optionalString(names.file, undefined, env);
  const variable = file ? names.file : names.inline;
  let text: string;
  if (file) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new EnvironmentError(
        variable,
        `names a file that cannot be read: ${(error as Error).message}`,
      );
    }
  } else {
    text = requireString(names.inline, env);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new EnvironmentError(variable, `is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new EnvironmentError(
      variable,
      `is invalid: ${parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  return { variable, value: parsed.data };
}
