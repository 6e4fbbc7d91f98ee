import { decodeJwt, decodeProtectedHeader, JWTPayload, SignJWT } from 'jose';
import { Identity } from './identity';
import { CALLER_HEADER, CredentialError, InternalCredentials } from './internal-credential';

const ROUTER_SECRET = 'router-secret-for-the-unit-tests-0123456789';
const SERVICE_SECRET = 'service-secret-for-the-unit-tests-0123456789';
const alice: Identity = { subject: 'alice', role: 'customer' };

/** A context's credentials: both keys (what `openContext` builds). */
const context = () => new InternalCredentials({ routerSecret: ROUTER_SECRET, serviceSecret: SERVICE_SECRET });

/** A JWT signed by hand with `secret`, to make credentials `InternalCredentials` itself never signs. Times in seconds from now. */
function handMade(claims: JWTPayload, options: { kid?: string; secret?: string; alg?: string; audience?: string; issuedAgoS?: number; expiresInS?: number } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? 'HS256', kid: options.kid ?? 'router' })
    .setAudience(options.audience ?? 'supergraph-subgraphs')
    .setIssuedAt(now - (options.issuedAgoS ?? 0))
    .setExpirationTime(now + (options.expiresInS ?? 60))
    .sign(new TextEncoder().encode(options.secret ?? ROUTER_SECRET));
}

/** The `CredentialError` `promise` rejects with. */
async function refusal(promise: Promise<unknown>): Promise<CredentialError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof CredentialError)) throw new Error(`expected a CredentialError, got ${String(error)}`);
  return error;
}

describe('InternalCredentials', () => {
  it('round-trips a router credential of an end user, of an anonymous client, and a service credential', async () => {
    const credentials = context();
    expect(await credentials.verify(await credentials.forRouter(alice))).toEqual({ kind: 'router', identity: alice });
    expect(await credentials.verify(await credentials.forRouter(null))).toEqual({ kind: 'router', identity: null });
    expect(await credentials.verify(await credentials.forService('booking'))).toEqual({ kind: 'service', service: 'booking' });
  });

  it('is verified by any holder of the same secrets (the router signs, every subgraph verifies)', async () => {
    const router = new InternalCredentials({ routerSecret: ROUTER_SECRET });
    expect(await context().verify(await router.forRouter({ subject: 'olga', role: 'organizer' }))).toEqual({ kind: 'router', identity: { subject: 'olga', role: 'organizer' } });
  });

  it('signs short-lived HS256 JWTs (iat, exp = iat + 60 s, audience, key id) and reuses one per identity within half its lifetime', async () => {
    const credentials = context();
    const token = await credentials.forRouter(alice);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', kid: 'router' });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ sub: 'alice', role: 'customer', aud: 'supergraph-subgraphs' });
    expect(claims.exp! - claims.iat!).toBe(60);
    expect(Math.abs(claims.iat! - Date.now() / 1000)).toBeLessThan(2);
    expect(await credentials.forRouter(alice)).toBe(token);
    expect(await credentials.forRouter({ subject: 'alice', role: 'admin' })).not.toBe(token);
  });

  describe('router and service keys are not interchangeable', () => {
    it('a process holding only the router key (the router) cannot sign service credentials', () => {
      expect(() => new InternalCredentials({ routerSecret: ROUTER_SECRET }).forService('booking')).toThrow(/SERVICE_CREDENTIAL_SECRET/);
    });

    it('a "service" credential signed with the router key is refused', async () => {
      const routerKeyOnly = new InternalCredentials({ routerSecret: ROUTER_SECRET, serviceSecret: ROUTER_SECRET });
      const error = await refusal(context().verify(await routerKeyOnly.forService('booking')));
      expect(error.message).toBe(`invalid ${CALLER_HEADER}: ERR_JWS_SIGNATURE_VERIFICATION_FAILED`);
    });

    it('a "router" credential signed with the service key is refused', async () => {
      const serviceKeyAsRouter = new InternalCredentials({ routerSecret: SERVICE_SECRET });
      await refusal(context().verify(await serviceKeyAsRouter.forRouter({ subject: 'root', role: 'admin' })));
    });

    it('a process without the service key refuses every service credential', async () => {
      await refusal(new InternalCredentials({ routerSecret: ROUTER_SECRET }).verify(await context().forService('booking')));
    });

    it('the key id decides the kind: a service name under the router key is refused; the service key never yields an end user', async () => {
      expect((await refusal(context().verify(await handMade({ sub: 'booking' })))).message).toBe(`invalid ${CALLER_HEADER}: unexpected claims`);
      expect(await context().verify(await handMade({ sub: 'booking', role: 'admin' }, { kid: 'service', secret: SERVICE_SECRET }))).toEqual({ kind: 'service', service: 'booking' });
    });
  });

  it('refuses a credential issued more than 60 s ago, even when its exp is still ahead', async () => {
    const old = await handMade({ sub: 'alice', role: 'customer' }, { issuedAgoS: 120, expiresInS: 600 });
    expect((await refusal(context().verify(old))).message).toBe(`invalid ${CALLER_HEADER}: ERR_JWT_EXPIRED`);
    const recent = await handMade({ sub: 'alice', role: 'customer' }, { issuedAgoS: 50, expiresInS: 600 });
    expect(await context().verify(recent)).toEqual({ kind: 'router', identity: alice });
  });

  it('refuses a tampered credential: a changed claim or a changed signature', async () => {
    const credentials = context();
    const [header, payload, signature] = (await credentials.forRouter(alice)).split('.');
    const promoted = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), role: 'admin' })).toString('base64url');
    await refusal(credentials.verify([header, promoted, signature].join('.')));
    const flipped = signature.slice(0, -2) + (signature.at(-2) === 'A' ? 'B' : 'A') + signature.at(-1);
    await refusal(credentials.verify([header, payload, flipped].join('.')));
  });

  it.each([
    ['missing', async () => undefined],
    ['empty', async () => ''],
    ['not a JWT', async () => 'alice'],
    ['for another audience', () => handMade({ sub: 'alice', role: 'customer' }, { audience: 'someone-else' })],
    ['signed with another algorithm', () => handMade({ sub: 'alice', role: 'customer' }, { alg: 'HS512' })],
    ['of an unknown role', () => handMade({ sub: 'alice', role: 'root' })],
    ['without a subject and not anonymous', () => handMade({ role: 'customer' })],
    ['under an unknown key id', () => handMade({ sub: 'alice', role: 'customer' }, { kid: 'client' })],
  ])('refuses a credential %s', async (_what, token) => {
    await refusal(context().verify(await token()));
  });

  it('does not accept an expired credential from its cache of verified ones', async () => {
    const credentials = context();
    const token = await credentials.forRouter(alice);
    expect(await credentials.verify(token)).toEqual({ kind: 'router', identity: alice }); // now cached
    expect(await credentials.verify(token, Date.now() + 30_000)).toEqual({ kind: 'router', identity: alice });
    expect((await refusal(credentials.verify(token, Date.now() + 70_000))).message).toBe(`invalid ${CALLER_HEADER}: ERR_JWT_EXPIRED`);
  });
});
