import { SignJWT } from 'jose';
import { Identity } from './identity';

/** Development-only HS256 key of end-user tokens (`JWT_SECRET` of the router); refused in production. */
export const DEV_JWT_SECRET = 'dev-only-jwt-secret-change-me-before-production';

/** What a signed end-user token says; defaults in brackets. */
export interface UserTokenOptions extends Identity {
  /** HS256 key [`DEV_JWT_SECRET`]. */
  secret?: string;
  /** Lifetime in seconds [3600]. */
  expiresInS?: number;
  /** `iss` claim, when the router checks one (`JWT_ISSUER`). */
  issuer?: string;
  /** `aud` claim, when the router checks one (`JWT_AUDIENCE`). */
  audience?: string;
}

/**
 * An end-user bearer token as the router accepts it in development (HS256; claims `sub`, `role`,
 * `iat`, `exp`): what `npm run token -- --sub alice --role customer` prints, and what the demo and
 * the tests send. Production tokens come from an identity provider (RS256/ES256 via `JWT_JWKS_URL`).
 */
export function signUserToken(options: UserTokenOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({ role: options.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.subject)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresInS ?? 3600));
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(options.secret ?? DEV_JWT_SECRET));
}
