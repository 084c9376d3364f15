import { describe, expect, it } from 'vitest';
import { A2AMqttError } from './errors.js';
import {
  clientIdFor,
  IDENTIFIER_PATTERN,
  type IdentifierKind,
  isValidIdentifier,
  MAX_POOL_GROUP_ID_LENGTH,
  parseClientId,
  poolGroupId,
  validateAgentAddress,
  validateIdentifier,
} from './identifiers.js';

function thrown(fn: () => unknown): A2AMqttError {
  try {
    fn();
  } catch (error) {
    if (A2AMqttError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a throw');
}

describe('identifiers', () => {
  it('accepts the profile grammar', () => {
    for (const value of ['a', 'A-Z_0.9', 'weather-agent', 'org.example', '...']) {
      expect(isValidIdentifier(value), value).toBe(true);
      expect(validateIdentifier(value, 'agent')).toBe(value);
    }
    expect(IDENTIFIER_PATTERN.source).toBe('^[A-Za-z0-9_.-]+$');
  });

  it.each([
    ['org', 'a/b'],
    ['unit', 'has space'],
    ['agent', 'plus+'],
    ['pool', 'hash#'],
    ['group', ''],
    ['requester', 'émile'],
    ['replySuffix', '$share'],
  ] as [IdentifierKind, string][])('rejects a bad %s identifier and names it', (kind, value) => {
    expect(isValidIdentifier(value)).toBe(false);
    const error = thrown(() => validateIdentifier(value, kind));
    expect(error.code).toBe('INVALID_IDENTIFIER');
    expect(error.message).toContain(`Invalid ${kind} identifier`);
    expect(error.message).toContain(JSON.stringify(value));
    expect(error.details).toEqual({ kind, value });
  });

  it('rejects non-strings with a clear message', () => {
    expect(isValidIdentifier(42)).toBe(false);
    const error = thrown(() => validateIdentifier(undefined, 'org'));
    expect(error.message).toMatch(/Invalid org identifier .*must be a string/);
  });

  it('bounds a long bad value in the message', () => {
    const error = thrown(() => validateIdentifier(`${'x'.repeat(500)}/`, 'agent'));
    expect(error.message.length).toBeLessThan(200);
  });

  it('validateAgentAddress names the bad part', () => {
    expect(
      thrown(() => validateAgentAddress({ org: 'o', unit: 'u/x', agent: 'a' })).message,
    ).toContain('Invalid unit identifier "u/x"');
    expect(thrown(() => validateAgentAddress(null as never)).code).toBe('INVALID_IDENTIFIER');
  });
});

describe('clientIdFor / parseClientId', () => {
  it('builds {org}/{unit}/{agent}', () => {
    expect(clientIdFor({ org: 'acme', unit: 'support', agent: 'triage' })).toBe(
      'acme/support/triage',
    );
  });

  it('rejects bad parts, naming each', () => {
    expect(thrown(() => clientIdFor({ org: 'a b', unit: 'u', agent: 'x' })).message).toContain(
      'org',
    );
    expect(thrown(() => clientIdFor({ org: 'o', unit: 'u', agent: 'x/y' })).message).toContain(
      'agent',
    );
  });

  it('parses a client id back', () => {
    expect(parseClientId('acme/support/triage')).toEqual({
      org: 'acme',
      unit: 'support',
      agent: 'triage',
    });
    expect(parseClientId('acme/support')).toBeUndefined();
    expect(parseClientId('acme/support/tri age')).toBeUndefined();
    expect(parseClientId('a/b/c/d')).toBeUndefined();
  });
});

describe('poolGroupId', () => {
  it('is a2a.{org}.{unit}.{pool} sanitised to [A-Za-z0-9._]', () => {
    expect(poolGroupId({ org: 'acme', unit: 'support', pool: 'triage' })).toBe(
      'a2a.acme.support.triage',
    );
    expect(poolGroupId({ org: 'ac-me', unit: 'sup_port', pool: 'tri-age' })).toBe(
      'a2a.ac_me.sup_port.tri_age',
    );
  });

  it('is deterministic', () => {
    const pool = { org: 'o'.repeat(40), unit: 'u'.repeat(40), pool: 'p'.repeat(40) };
    expect(poolGroupId(pool)).toBe(poolGroupId({ ...pool }));
  });

  it('keeps ids of exactly 64 characters and truncates longer ones with a hash suffix', () => {
    // 'a2a.' + 'o' + '.' + 'u' + '.' = 8 characters, so a 56-character pool gives 64 exactly.
    const exact = poolGroupId({ org: 'o', unit: 'u', pool: 'p'.repeat(56) });
    expect(exact).toHaveLength(64);
    expect(exact).toBe(`a2a.o.u.${'p'.repeat(56)}`);

    const long = poolGroupId({ org: 'o', unit: 'u', pool: 'p'.repeat(57) });
    expect(long).toHaveLength(MAX_POOL_GROUP_ID_LENGTH);
    expect(long).toMatch(/^a2a\.o\.u\.p+\.[0-9a-f]{8}$/);
    expect(isValidIdentifier(long)).toBe(true);
    // The contract's sanitised set, hash separator included.
    expect(long).toMatch(/^[A-Za-z0-9._]+$/);
  });

  it('gives distinct hashes to distinct long pools sharing a truncated prefix', () => {
    const base = 'x'.repeat(70);
    const first = poolGroupId({ org: 'o', unit: 'u', pool: `${base}1` });
    const second = poolGroupId({ org: 'o', unit: 'u', pool: `${base}2` });
    const dashed = poolGroupId({ org: 'o', unit: 'u', pool: `${base}-1` });
    const underscored = poolGroupId({ org: 'o', unit: 'u', pool: `${base}_1` });
    expect(first.slice(0, 55)).toBe(second.slice(0, 55));
    expect(new Set([first, second, dashed, underscored]).size).toBe(4);
  });

  it('uses the FNV-1a 32-bit hash of the unsanitised id', () => {
    const pool = { org: 'o', unit: 'u', pool: 'p'.repeat(60) };
    const input = `a2a.o.u.${'p'.repeat(60)}`;
    let hash = 0x811c9dc5;
    for (const char of input) {
      hash ^= char.charCodeAt(0);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    expect(poolGroupId(pool).slice(-8)).toBe(hash.toString(16).padStart(8, '0'));
  });

  it('rejects invalid pool addresses naming the part', () => {
    expect(thrown(() => poolGroupId({ org: 'o', unit: 'u', pool: 'p/q' })).message).toContain(
      'Invalid pool identifier',
    );
  });
});
