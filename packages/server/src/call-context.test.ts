import { describe, expect, it } from 'vitest';
import {
  parseExtensions,
  readBearerToken,
  readServiceParameters,
  withoutAuthorization,
} from './call-context.js';

describe('call context from user properties', () => {
  it('reads A2A-Version and A2A-Extensions case-insensitively, last value wins', () => {
    const view = readServiceParameters({
      'a2a-version': ['0.3', '1.0'],
      'A2A-EXTENSIONS': 'https://a.example/ext, https://b.example/ext,https://a.example/ext',
      'a2a-authorization': 'Bearer secret',
      trace: 'abc',
    });
    expect(view.requestedVersion).toBe('1.0');
    expect(view.extensions).toEqual(['https://a.example/ext', 'https://b.example/ext']);
    expect(view.headers).toEqual({
      'A2A-Version': '1.0',
      'A2A-Extensions': 'https://a.example/ext, https://b.example/ext,https://a.example/ext',
      trace: 'abc',
    });
    expect(JSON.stringify(view)).not.toContain('secret');
  });

  it('treats missing properties as no version (the SDK then assumes 0.3)', () => {
    expect(readServiceParameters(undefined)).toEqual({
      requestedVersion: undefined,
      extensions: undefined,
      headers: {},
    });
    expect(readServiceParameters({ 'A2A-Version': '' }).requestedVersion).toBeUndefined();
  });

  it('hands out the bearer token and strips it from the rest', () => {
    expect(readBearerToken({ 'a2a-authorization': 'Bearer t0k' })).toBe('t0k');
    expect(readBearerToken({})).toBeUndefined();
    expect(
      withoutAuthorization({ 'a2a-authorization': 'Bearer t0k', 'A2A-Version': '1.0' }),
    ).toEqual({ 'A2A-Version': '1.0' });
    expect(parseExtensions(' , x ,')).toEqual(['x']);
  });
});
