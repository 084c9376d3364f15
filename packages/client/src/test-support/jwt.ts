import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';

/** An ES256 signing key and its public JWK (tests only). */
export interface TestSigningKey {
  privateKey: KeyObject;
  publicJwk: Record<string, unknown>;
}

/** A fresh P-256 key pair; the public JWK carries `kid`, `alg` and `use`. */
export function createTestSigningKey(kid: string): TestSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKey,
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' },
  };
}

/** Signs `claims` as a compact ES256 JWT (header `kid` from the key's JWK). */
export function signTestJwt(key: TestSigningKey, claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: 'ES256', typ: 'JWT', kid: key.publicJwk.kid })}.${encode(claims)}`;
  const signature = sign('sha256', Buffer.from(input), {
    key: key.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${input}.${signature.toString('base64url')}`;
}
