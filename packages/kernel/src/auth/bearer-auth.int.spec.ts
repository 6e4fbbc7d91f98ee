import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, KeyLike, SignJWT } from 'jose';
import { BearerAuth, TokenError } from './bearer-auth';
import { DEV_JWT_SECRET, signUserToken } from './user-token';

const hs256 = new BearerAuth({ secret: DEV_JWT_SECRET });
const key = new TextEncoder().encode(DEV_JWT_SECRET);

describe('BearerAuth (HS256, development)', () => {
  it('proves subject and role of a valid token, with its expiry', async () => {
    const verified = await hs256.identify(`Bearer ${await signUserToken({ subject: 'alice', role: 'customer', expiresInS: 60 })}`);
    expect(verified?.identity).toEqual({ subject: 'alice', role: 'customer' });
    expect(verified!.expiresAt).toBeGreaterThan(Date.now() + 55_000);
    expect(verified!.expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  it('treats a request without Authorization as anonymous', async () => {
    expect(await hs256.identify(undefined)).toBeNull();
    expect(await hs256.identify('  ')).toBeNull();
  });

  it.each([
    ['expired', async () => `Bearer ${await signUserToken({ subject: 'a', role: 'customer', expiresInS: -30 })}`, /expired/],
    ['forged', async () => `Bearer ${await signUserToken({ subject: 'a', role: 'admin', secret: 'y'.repeat(48) })}`, /signature/],
    ['alg none', async () => `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"a","role":"admin","exp":9999999999}').toString('base64url')}.`, /not allowed|invalid/],
    ['no role', async () => `Bearer ${await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setExpirationTime('1h').sign(key)}`, /role/],
    ['unknown role', async () => `Bearer ${await new SignJWT({ role: 'root' }).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setExpirationTime('1h').sign(key)}`, /role/],
    ['no exp', async () => `Bearer ${await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('a').sign(key)}`, /exp/],
    ['empty sub', async () => `Bearer ${await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('').setExpirationTime('1h').sign(key)}`, /sub/],
    ['not a JWT', async () => 'Bearer not.a.jwt', /invalid/],
    ['another scheme', async () => 'Basic YTpi', /Bearer/],
  ])('refuses a %s token with a TokenError saying why', async (_kind, header, reason) => {
    const refused = await hs256.identify(await header()).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TokenError);
    expect((refused as Error).message).toMatch(reason);
  });

  it('checks issuer and audience when configured', async () => {
    const strict = new BearerAuth({ secret: DEV_JWT_SECRET, issuer: 'https://id.example', audience: 'supergraph' });
    const good = await signUserToken({ subject: 'a', role: 'customer', issuer: 'https://id.example', audience: 'supergraph' });
    expect((await strict.verify(good)).identity.subject).toBe('a');
    await expect(strict.verify(await signUserToken({ subject: 'a', role: 'customer', issuer: 'https://evil.example', audience: 'supergraph' }))).rejects.toThrow(/iss/);
    await expect(strict.verify(await signUserToken({ subject: 'a', role: 'customer', issuer: 'https://id.example' }))).rejects.toThrow(/aud/);
  });

});

describe('BearerAuth (JWKS, production)', () => {
  let server: Server;
  let jwksUrl: string;
  let privateKey: KeyLike;
  let fetches = 0;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    server = createServer((_req, res) => {
      fetches += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const providerToken = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setSubject('olga').setExpirationTime('5m').sign(privateKey);

  it('verifies ES256 tokens against the provider’s key set, fetched once', async () => {
    const auth = new BearerAuth({ secret: DEV_JWT_SECRET, jwksUrl });
    expect((await auth.verify(await providerToken({ role: 'organizer' }))).identity).toEqual({ subject: 'olga', role: 'organizer' });
    expect((await auth.verify(await providerToken({ role: 'admin' }))).identity.role).toBe('admin');
    expect(fetches).toBe(1);
  });

  it('refuses HS256 tokens once a key set is configured, even signed with JWT_SECRET', async () => {
    const auth = new BearerAuth({ secret: DEV_JWT_SECRET, jwksUrl });
    await expect(auth.verify(await signUserToken({ subject: 'mallory', role: 'admin' }))).rejects.toThrow(TokenError);
  });
});
