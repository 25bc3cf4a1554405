/**
 * What every Understudy Lambda entry shares: event validation that names each bad field, and
 * dependencies built on first use (so tests and the local drill can import a handler module
 * and bind it to sandbox ports without production environment variables being set).
 */
import type { z } from 'zod';
import { ValidationError } from '../core/errors';

/** Parses `event` with `schema`; a ValidationError lists every issue with its path. */
export function parseEvent<S extends z.ZodType>(
  schema: S,
  event: unknown,
  what: string,
): z.output<S> {
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    throw new ValidationError(
      `invalid ${what} event`,
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`),
    );
  }
  return parsed.data;
}

/** Dependencies given directly, or a factory run once on the first invocation. */
export type Deps<T> = T | (() => T);

/** Resolves {@link Deps} once and memoises the result. */
export function lazyDeps<T extends object>(deps: Deps<T>): () => T {
  let resolved: T | undefined;
  return () => {
    resolved ??= typeof deps === 'function' ? (deps as () => T)() : deps;
    return resolved;
  };
}

/** The Lambda context fields handlers read (a subset, so local bindings can supply it). */
export interface HandlerContext {
  getRemainingTimeInMillis(): number;
}
