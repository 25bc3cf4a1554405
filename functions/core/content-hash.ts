/**
 * Content addressing: a clone version (or any JSON-safe value) is identified by the SHA-256 of
 * its RFC 8785 canonical JSON, so the same content always hashes the same whatever the key order
 * or number formatting it was built with.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { ValidationError } from './errors';

/**
 * SHA-256 (lower-case hex) of the RFC 8785 canonical JSON of `value`. Pure: `node:crypto`
 * hashing is deterministic computation, not I/O.
 *
 * @throws ValidationError when `value` has no JSON form (undefined, a function, a symbol) or holds
 *   a non-finite number, which JSON cannot represent and which would otherwise hash silently.
 */
export function contentHash(value: unknown): string {
  let canonical: string | undefined;
  try {
    canonical = canonicalize(value);
  } catch (error) {
    throw new ValidationError('content is not JSON-safe', [String(error)], { cause: error });
  }
  if (canonical === undefined) {
    throw new ValidationError('content is not JSON-safe', ['value has no JSON representation']);
  }
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
