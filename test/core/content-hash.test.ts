import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { contentHash } from '../../functions/core/content-hash';
import { ValidationError } from '../../functions/core/errors';

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .reverse()
        .map(([k, v]) => [k, reverseKeys(v)]),
    );
  }
  return value;
}

describe('Function: contentHash', () => {
  it('hashes the RFC 8785 canonical form (sorted keys, no whitespace)', () => {
    // Act
    const hash = contentHash({ b: 1, a: [true, 'x', null], c: { z: 1.5, y: 'é' } });

    // Assert
    expect(hash).toBe(sha256('{"a":[true,"x",null],"b":1,"c":{"y":"é","z":1.5}}'));
  });

  it('formats numbers as ECMAScript does (RFC 8785 §3.2.2.3)', () => {
    // Act / Assert
    expect(contentHash({ n: 1.0, big: 1e21, small: 1e-7 })).toBe(
      sha256('{"big":1e+21,"n":1,"small":1e-7}'),
    );
  });

  it('ignores key order at every depth', () => {
    // Assert
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(contentHash(reverseKeys(value))).toBe(contentHash(value));
      }),
    );
  });

  it('tells different content apart', () => {
    // Act / Assert
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: '1' }));
  });

  it('refuses non-finite numbers and values without JSON form', () => {
    // Act / Assert
    expect(() => contentHash({ n: Number.NaN })).toThrow(ValidationError);
    expect(() => contentHash({ n: Number.POSITIVE_INFINITY })).toThrow(ValidationError);
    expect(() => contentHash(undefined)).toThrow(ValidationError);
  });
});
