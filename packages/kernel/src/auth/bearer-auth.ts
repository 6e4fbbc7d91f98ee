import { createRemoteJWKSet, errors as joseErrors, JWTPayload, jwtVerify, JWTVerifyGetKey } from 'jose';
import { Identity, isRole } from './identity';

/** How end-user tokens are verified (the router's config `JWT_*`). */
export interface BearerAuthOptions {
  /** HS256 key (`JWT_SECRET`), used when no `jwksUrl` is set: development and tests. */
  secret: string;
  /** URL of the identity provider's JSON Web Key Set (`JWT_JWKS_URL`): production, RS256 or ES256. */
  jwksUrl?: string;
  /** Required `iss` claim (`JWT_ISSUER`), when set. */
  issuer?: string;
  /** Required `aud` claim (`JWT_AUDIENCE`), when set. */
  audience?: string;
}

/** A verified token: who it is, and until when (ms since the epoch) it may be used. */
export interface VerifiedToken {
  identity: Identity;
  expiresAt: number;
}

/** The token is malformed, forged, expired, or lacks `sub`/`role`; the message says which, never echoing the token. */
export class TokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenError';
  }
}

/** Clock difference tolerated between the token issuer and the router, seconds. */
const CLOCK_TOLERANCE_S = 5;

/**
 * Verifies end-user bearer tokens with `jose` (ARCHITECTURE.md "Auth": `@apollo/gateway` cannot
 * enforce `@authenticated`, so the router verifies tokens itself):
 * - with `jwksUrl`, RS256 or ES256 against the provider's key set (fetched and cached by
 *   `createRemoteJWKSet`, refreshed on an unknown `kid`);
 * - otherwise HS256 with `secret`.
 * Required claims: `sub` (non-empty), `role` (customer | organizer | admin), `exp`; `iss`/`aud`
 * when configured; `alg: none` and any other algorithm are refused.
 */
export class BearerAuth {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];

  constructor(private readonly options: BearerAuthOptions) {
    if (options.jwksUrl) {
      this.key = createRemoteJWKSet(new URL(options.jwksUrl));
      this.algorithms = ['RS256', 'ES256'];
    } else {
      this.key = new TextEncoder().encode(options.secret);
      this.algorithms = ['HS256'];
    }
  }

  /**
   * The identity an `Authorization` header value proves: null when there is no header (an
   * anonymous client: only public ticket search will answer it). Throws `TokenError` when a
   * header is present but is not `Bearer <valid token>`.
   */
  async identify(authorization: string | undefined): Promise<VerifiedToken | null> {
    if (authorization === undefined || authorization.trim() === '') return null;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw new TokenError('Authorization must be "Bearer <token>"');
    return this.verify(match[1]);
  }

  /** Verifies one token (see the class). Throws `TokenError`. */
  async verify(token: string): Promise<VerifiedToken> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key as Uint8Array, {
        algorithms: this.algorithms,
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      throw new TokenError(tokenProblem(error));
    }
    if (typeof payload.sub !== 'string' || payload.sub === '' || payload.sub.length > 200) throw new TokenError('token claim sub must be a non-empty string');
    if (!isRole(payload.role)) throw new TokenError('token claim role must be customer, organizer or admin');
    return { identity: { subject: payload.sub, role: payload.role }, expiresAt: payload.exp! * 1000 };
  }
}

function tokenProblem(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'token expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `token claim ${error.claim} is not acceptable`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'token signature invalid';
  return 'token invalid';
}
