import { describe, expect, it } from 'vitest';
import { opensslSubject } from './tls-material.js';

describe('opensslSubject', () => {
  it('escapes slashes so an agent id stays one CN', () => {
    expect(opensslSubject('acme/sales/alice')).toBe('/CN=acme\\/sales\\/alice');
  });

  it('rejects empty names and newlines', () => {
    expect(() => opensslSubject('')).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
    expect(() => opensslSubject('a\nb')).toThrow(/Invalid certificate common name/);
  });
});
