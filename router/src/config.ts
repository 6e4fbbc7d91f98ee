import { z } from 'zod';
import { ConfigError, DEV_JWT_SECRET, exitOnConfigError, intVar, isPlaceholderSecret, loadConfig, ROUTER, servicePort } from '@supergraph/kernel';
import { parseCorsOrigins } from './edge/cors';
import { parseTrustProxy } from './edge/client-address';

/**
 * Router configuration: `ROUTER_PORT` (4000), `SUPERGRAPH_PATH` (schema/supergraph.graphql),
 * `SUBGRAPH_TIMEOUT_MS` (10000: upper bound of one subgraph fetch, response body included), plus
 * `SUBSCRIPTION_MAX_QUEUED` (256: results a WebSocket client may fall behind before it is closed
 * with 1013), the end-user token settings (`BearerAuth`): `JWT_SECRET` (HS256 key, ≥ 32
 * characters; a development-only default), `JWT_JWKS_URL` (the identity provider's key set:
 * RS256/ES256; when set, `JWT_SECRET` is not used), `JWT_ISSUER`, `JWT_AUDIENCE` (checked when
 * set); with `NODE_ENV=production` either `JWT_JWKS_URL` or a `JWT_SECRET` of your own is
 * required; the edge limits (`edgeConfigShape`); plus the base variables (`SHUTDOWN_DELAY_MS`, …); subgraph URLs come from `<NAME>_URL` (kernel
 * catalog). A bad variable exits with status 1 after one line naming it.
 */
export function routerConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(
    {
      SUPERGRAPH_PATH: z.string().optional(),
      SUBGRAPH_TIMEOUT_MS: intVar(10_000),
      SUBSCRIPTION_MAX_QUEUED: intVar(256),
      JWT_SECRET: z.string().min(32).default(DEV_JWT_SECRET),
      JWT_JWKS_URL: z.string().url().optional(),
      JWT_ISSUER: z.string().optional(),
      JWT_AUDIENCE: z.string().optional(),
      ...edgeConfigShape,
    },
    env,
  );
  const corsOrigins = exitOnConfigError(() => {
    try {
      return parseCorsOrigins(config.CORS_ORIGINS, config.NODE_ENV === 'production');
    } catch (error) {
      throw new ConfigError(`Invalid configuration:\n  CORS_ORIGINS: ${(error as Error).message}`);
    }
  });
  const trustProxy = exitOnConfigError(() => {
    try {
      return parseTrustProxy(config.TRUST_PROXY);
    } catch (error) {
      throw new ConfigError(`Invalid configuration:\n  TRUST_PROXY: ${(error as Error).message}`);
    }
  });
  if (config.NODE_ENV === 'production' && !config.JWT_JWKS_URL && (config.JWT_SECRET === DEV_JWT_SECRET || isPlaceholderSecret(config.JWT_SECRET))) {
    exitOnConfigError(() => {
      throw new ConfigError('Invalid configuration:\n  JWT_SECRET: set JWT_JWKS_URL or a JWT_SECRET of your own (not the development default, not a CHANGE-ME placeholder) when NODE_ENV=production');
    });
  }
  return { ...config, corsOrigins, trustProxy, port: exitOnConfigError(() => servicePort(ROUTER, env)) };
}

export type RouterConfig = ReturnType<typeof routerConfig>;

/** A count read from a variable: a whole number ≥ 0. */
const countVar = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

/**
 * Edge limits of the router (issue "Edge security" part 5; `OperationLimits`, `RateLimits`,
 * `corsPolicy`):
 * - `MAX_DEPTH` (12), `MAX_ALIASES` (15), `MAX_TOKENS` (2000), `MAX_COST` (5000, GraphQL Armor
 *   cost), `MAX_DIRECTIVES` (20): per operation, over HTTP and graphql-ws (`MAX_ALIASES=0`,
 *   `MAX_DIRECTIVES=0`: none allowed);
 * - `MAX_BODY_BYTES` (1048576): largest HTTP request body and WebSocket message;
 * - `RATE_LIMIT_PER_SUBJECT` (600) and `RATE_LIMIT_PER_IP` (1200) requests per
 *   `RATE_LIMIT_WINDOW_S` (60) for one verified end user and one client address, counted in
 *   Redis (`REDIS_URL`); 0 turns that limit off;
 * - `CORS_ORIGINS` (empty: no cross-origin access): comma-separated exact origins, or `*` (refused
 *   with `NODE_ENV=production`);
 * - `TRUST_PROXY` (empty: none): the proxies whose `X-Forwarded-For` names the client for the
 *   per-address limit (`parseTrustProxy`: a number of hops, or addresses and ranges).
 */
export const edgeConfigShape = {
  MAX_DEPTH: intVar(12),
  MAX_ALIASES: countVar(15),
  MAX_TOKENS: intVar(2000),
  MAX_COST: intVar(5000),
  MAX_DIRECTIVES: countVar(20),
  MAX_BODY_BYTES: intVar(1024 * 1024),
  RATE_LIMIT_PER_SUBJECT: countVar(600),
  RATE_LIMIT_PER_IP: countVar(1200),
  RATE_LIMIT_WINDOW_S: intVar(60),
  CORS_ORIGINS: z.string().default(''),
  TRUST_PROXY: z.string().default(''),
};
