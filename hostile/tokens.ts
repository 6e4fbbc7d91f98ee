import { SignJWT } from 'jose';
import { DEV_JWT_SECRET, DEV_ROUTER_CREDENTIAL_SECRET, InternalCredentials, Role, signUserToken } from '@supergraph/kernel';

/** An `Authorization` value the router must refuse (401 UNAUTHENTICATED), named for the outcome table. */
export interface BadToken {
  name: string;
  authorization: string;
}

/** Every credential the suite sends: good bearer tokens of its users, and the bad ones. */
export interface Credentials {
  /** `Authorization` value of a good token of `subject` with `role` (development key, 1 h). */
  bearer(subject: string, role: Role): string;
  /** Whose good token an `Authorization` value is; undefined for none or a bad one. */
  identityOf(authorization: string | undefined): { subject: string; role: Role } | undefined;
  /** Tokens the router must refuse. */
  readonly badTokens: readonly BadToken[];
  /** Tokens with a good signature whose claims must not give access: unknown or missing role, missing subject. */
  readonly badClaims: readonly BadToken[];
  /** `x-supergraph-caller` values a subgraph must refuse: forged, replayed, `alg: none`, confused key ids. */
  readonly forgedCallers: readonly { name: string; value: string }[];
}

const encoder = new TextEncoder();
const base64url = (value: object | string) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** An unsigned JWT (`alg: none`) with `claims`. */
function unsigned(claims: object): string {
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`;
}

/** A JWT signed HS256 with `secret`, claims as given (no defaults), header `header`. */
function signed(claims: Record<string, unknown>, secret: string, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...header }).sign(encoder.encode(secret));
}

/**
 * Signs the suite's tokens once: good ones for `users` (subject → role), and every kind of bad
 * one (expired, not yet valid, forged with another key, `alg: none`, malformed, wrong claims) and
 * forged internal credentials for direct subgraph calls.
 */
export async function credentials(users: Record<string, Role>): Promise<Credentials> {
  const good = new Map<string, string>();
  const owners = new Map<string, { subject: string; role: Role }>();
  for (const [subject, role] of Object.entries(users)) {
    const authorization = `Bearer ${await signUserToken({ subject, role })}`;
    good.set(`${subject}/${role}`, authorization);
    owners.set(authorization, { subject, role });
  }
  const now = Math.floor(Date.now() / 1000);
  const aliceClaims = { sub: 'c0', role: 'customer', iat: now, exp: now + 3600 };
  const adminClaims = { sub: 'root', role: 'admin', iat: now, exp: now + 3600 };
  const forgedKey = 'an-attackers-guess-at-the-secret-0123456789';
  const badTokens: BadToken[] = [
    { name: 'expired', authorization: `Bearer ${await signUserToken({ subject: 'c0', role: 'customer', expiresInS: -3600 })}` },
    { name: 'not-yet-valid', authorization: `Bearer ${await signed({ ...aliceClaims, nbf: now + 3600 }, DEV_JWT_SECRET)}` },
    { name: 'forged-admin', authorization: `Bearer ${await signed(adminClaims, forgedKey)}` },
    { name: 'alg-none-admin', authorization: `Bearer ${unsigned(adminClaims)}` },
    { name: 'alg-none-no-signature-dot', authorization: `Bearer ${unsigned(adminClaims).slice(0, -1)}` },
    { name: 'alg-HS512', authorization: `Bearer ${await new SignJWT(adminClaims).setProtectedHeader({ alg: 'HS512' }).sign(encoder.encode(DEV_JWT_SECRET))}` },
    { name: 'tampered-payload', authorization: `Bearer ${(await signed(aliceClaims, DEV_JWT_SECRET)).replace(/\.[^.]+\./, `.${base64url(adminClaims)}.`)}` },
    { name: 'garbage', authorization: 'Bearer not.a.jwt' },
    { name: 'three-dots', authorization: 'Bearer ...' },
    { name: 'empty-bearer', authorization: 'Bearer ' },
    { name: 'basic-auth', authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` },
    { name: 'no-scheme', authorization: await signUserToken({ subject: 'c0', role: 'customer' }) },
    { name: 'huge', authorization: `Bearer ${'A'.repeat(8000)}.${'B'.repeat(100)}.${'C'.repeat(43)}` },
    { name: 'json-header', authorization: 'Bearer {"alg":"none"}' },
    { name: 'sql-in-token', authorization: "Bearer ' OR 1=1 --" },
    { name: 'jwks-url-header', authorization: `Bearer ${await signed(adminClaims, forgedKey, { jku: 'http://127.0.0.1:1/jwks.json', kid: 'x' })}` },
  ];
  const badClaims: BadToken[] = [
    { name: 'role-superuser', authorization: `Bearer ${await signed({ sub: 'c0', role: 'superuser', iat: now, exp: now + 3600 }, DEV_JWT_SECRET)}` },
    { name: 'role-array', authorization: `Bearer ${await signed({ sub: 'c0', role: ['admin'], iat: now, exp: now + 3600 }, DEV_JWT_SECRET)}` },
    { name: 'role-missing', authorization: `Bearer ${await signed({ sub: 'c0', iat: now, exp: now + 3600 }, DEV_JWT_SECRET)}` },
    { name: 'role-ADMIN-case', authorization: `Bearer ${await signed({ sub: 'c0', role: 'ADMIN', iat: now, exp: now + 3600 }, DEV_JWT_SECRET)}` },
    { name: 'sub-missing', authorization: `Bearer ${await signed({ role: 'admin', iat: now, exp: now + 3600 }, DEV_JWT_SECRET)}` },
    { name: 'sub-empty', authorization: `Bearer ${await signed({ sub: '', role: 'admin', iat: now, exp: now + 3600 }, DEV_JWT_SECRET)}` },
    { name: 'sub-number', authorization: `Bearer ${await signed({ sub: 42, role: 'customer', iat: now, exp: now + 3600 }, DEV_JWT_SECRET)}` },
    { name: 'exp-missing', authorization: `Bearer ${await signed({ sub: 'c0', role: 'admin', iat: now }, DEV_JWT_SECRET)}` },
  ];
  const attacker = new InternalCredentials({ routerSecret: forgedKey, serviceSecret: forgedKey });
  const minutesAgo = now - 600;
  const forgedCallers = [
    { name: 'forged-router-admin', value: await attacker.forRouter({ subject: 'root', role: 'admin' }) },
    { name: 'forged-service-booking', value: await attacker.forService('booking') },
    { name: 'alg-none-router', value: unsigned({ sub: 'root', role: 'admin', aud: 'supergraph-subgraphs', iat: now, exp: now + 60 }) },
    // A credential the router really issued (its key), ten minutes old: replayed past its 60 s.
    { name: 'replayed-router', value: await signed({ sub: 'c0', role: 'customer', aud: 'supergraph-subgraphs', iat: minutesAgo, exp: minutesAgo + 60 }, DEV_ROUTER_CREDENTIAL_SECRET, { kid: 'router' }) },
    { name: 'service-kid-router-key', value: await signed({ sub: 'booking', aud: 'supergraph-subgraphs', iat: now, exp: now + 60 }, DEV_ROUTER_CREDENTIAL_SECRET, { kid: 'service' }) },
    { name: 'user-token-as-caller', value: await signUserToken({ subject: 'root', role: 'admin' }) },
    { name: 'garbage', value: 'router' },
  ];
  return {
    bearer: (subject, role) => {
      const token = good.get(`${subject}/${role}`);
      if (!token) throw new Error(`no token for ${subject}/${role}: add the user to credentials()`);
      return token;
    },
    identityOf: (authorization) => (authorization === undefined ? undefined : owners.get(authorization)),
    badTokens,
    badClaims,
    forgedCallers,
  };
}
