import { errors as joseErrors, jwtVerify, JWTPayload, SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import { Caller, Identity, identityKey, isRole } from './identity';

/**
 * The header (HTTP) and `connection_init` entry (graphql-ws) carrying the internal credential on
 * every request to a subgraph (ARCHITECTURE.md "Auth": identity reaches subgraphs only from the
 * router; sync calls carry their own service credential).
 */
export const CALLER_HEADER = 'x-supergraph-caller';

/** Development-only secrets, used when none is configured outside production (`authConfigShape` refuses them in production). */
export const DEV_ROUTER_CREDENTIAL_SECRET = 'dev-only-router-credential-secret-do-not-deploy';
export const DEV_SERVICE_CREDENTIAL_SECRET = 'dev-only-service-credential-secret-do-not-deploy';

/** The secrets and lifetime of internal credentials; defaults in brackets. */
export interface InternalCredentialOptions {
  /** HMAC key of router credentials (`ROUTER_CREDENTIAL_SECRET`; the router and every subgraph hold it). */
  routerSecret: string;
  /** HMAC key of service credentials (`SERVICE_CREDENTIAL_SECRET`; held by the contexts only, never by the router, which passes none). */
  serviceSecret?: string;
  /** How long a credential is accepted after it was issued (its `iat`), ms [60000]; clocks may differ by 5 s more. */
  maxAgeMs?: number;
}

/** Thrown by `InternalCredentials.verify`: the credential is missing, malformed, forged or too old. */
export class CredentialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialError';
  }
}

const AUDIENCE = 'supergraph-subgraphs';
const CLOCK_TOLERANCE_S = 5;

/**
 * Internal credentials between the router, the contexts and each other: short-lived JWTs (HS256,
 * `jose`) with the time of issue (`iat`) and an expiry (`exp` = `iat` + `maxAgeMs`), audience
 * `supergraph-subgraphs`:
 * - a router credential (key id `router`, signed with `routerSecret`) says the router verified the
 *   client's token and names its end user (`sub`, `role`), or that the client is anonymous
 *   (`anon: true`);
 * - a service credential (key id `service`, signed with `serviceSecret`, `sub` = the calling
 *   context's name) proves a sync call comes from that context. The router does not hold
 *   `serviceSecret`, so no client request can pass for one.
 *
 * Signing reuses a credential until half its lifetime has passed (one HMAC per identity every
 * 30 s, not per request); verification caches what it verified until the credential expires.
 */
export class InternalCredentials {
  private readonly routerKey: Uint8Array;
  private readonly serviceKey?: Uint8Array;
  private readonly maxAgeMs: number;
  private readonly signed = new LRUCache<string, { token: string; reuseUntil: number }>({ max: 10_000 });
  private readonly verified = new LRUCache<string, { caller: Caller; expiresAt: number }>({ max: 10_000 });

  constructor(options: InternalCredentialOptions) {
    this.routerKey = new TextEncoder().encode(options.routerSecret);
    this.serviceKey = options.serviceSecret ? new TextEncoder().encode(options.serviceSecret) : undefined;
    this.maxAgeMs = options.maxAgeMs ?? 60_000;
  }

  /** A router credential for a client request of `identity` (null: anonymous). */
  forRouter(identity: Identity | null): Promise<string> {
    const claims = identity ? { sub: identity.subject, role: identity.role } : { anon: true };
    return this.sign('router', `router\n${identityKey(identity)}`, claims, this.routerKey);
  }

  /** A service credential of context `service` (`booking`) for its sync calls. */
  forService(service: string): Promise<string> {
    if (!this.serviceKey) throw new Error('no SERVICE_CREDENTIAL_SECRET: only contexts sign service credentials');
    return this.sign('service', `service\n${service}`, { sub: service }, this.serviceKey);
  }

  /**
   * The caller a credential proves. Throws `CredentialError` when it is absent, not a JWT, signed
   * with another key, issued more than `maxAgeMs` ago or expired (5 s clock tolerance), or its
   * claims are not those of a router or service credential.
   */
  async verify(token: string | undefined, now = Date.now()): Promise<Caller> {
    if (!token) throw new CredentialError(`missing ${CALLER_HEADER}: subgraphs answer only the router and the contexts`);
    const cached = this.verified.get(token);
    if (cached && cached.expiresAt > now) return cached.caller;
    let payload: JWTPayload;
    let kid: string | undefined;
    try {
      ({ payload, protectedHeader: { kid } } = await jwtVerify(token, ({ kid: keyId }) => (keyId === 'service' ? (this.serviceKey ?? new Uint8Array()) : this.routerKey), {
        algorithms: ['HS256'],
        audience: AUDIENCE,
        maxTokenAge: `${Math.floor(this.maxAgeMs / 1000)}s`,
        clockTolerance: CLOCK_TOLERANCE_S,
        currentDate: new Date(now),
        requiredClaims: ['iat', 'exp'],
      }));
    } catch (error) {
      throw new CredentialError(`invalid ${CALLER_HEADER}: ${error instanceof joseErrors.JOSEError ? error.code : 'unreadable'}`);
    }
    const caller = callerOf(kid, payload);
    // Cached no longer than the credential may be used: its expiry and its maximum age, whichever comes first.
    const usableUntilS = Math.min(payload.exp!, payload.iat! + Math.floor(this.maxAgeMs / 1000));
    this.verified.set(token, { caller, expiresAt: (usableUntilS + CLOCK_TOLERANCE_S) * 1000 });
    return caller;
  }

  private async sign(kid: 'router' | 'service', cacheKey: string, claims: JWTPayload, key: Uint8Array): Promise<string> {
    const now = Date.now();
    const reusable = this.signed.get(cacheKey);
    if (reusable && reusable.reuseUntil > now) return reusable.token;
    const issuedAt = Math.floor(now / 1000);
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid })
      .setAudience(AUDIENCE)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + Math.floor(this.maxAgeMs / 1000))
      .sign(key);
    this.signed.set(cacheKey, { token, reuseUntil: now + this.maxAgeMs / 2 });
    return token;
  }
}

function callerOf(kid: string | undefined, payload: JWTPayload): Caller {
  if (kid === 'service' && typeof payload.sub === 'string' && payload.sub) return { kind: 'service', service: payload.sub };
  if (kid === 'router' && payload.anon === true) return { kind: 'router', identity: null };
  if (kid === 'router' && typeof payload.sub === 'string' && payload.sub && isRole(payload.role)) return { kind: 'router', identity: { subject: payload.sub, role: payload.role } };
  throw new CredentialError(`invalid ${CALLER_HEADER}: unexpected claims`);
}
