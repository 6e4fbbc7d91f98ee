import { ApolloServerPlugin, HeaderMap } from '@apollo/server';
import { createRedis, Identity, Redis, whenReady } from '@supergraph/kernel';
import type { RequestHandler } from 'express';
import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/** How many requests a client may send (router config; issue "Edge security" part 5). */
export interface RateLimitConfig {
  /** Requests per window of one verified end user, its token's `sub` (`RATE_LIMIT_PER_SUBJECT`); 0: no limit. */
  perSubject: number;
  /** Requests per window from one client IP address (`RATE_LIMIT_PER_IP`); 0: no limit. */
  perIp: number;
  /** The window, seconds (`RATE_LIMIT_WINDOW_S`): fixed windows starting at a key's first request. */
  windowS: number;
  /** Where the counters live, shared by every router replica (`REDIS_URL`). */
  redisUrl: string;
  /** Prefix of the counters' keys (`EVENTS_NAMESPACE`, so test runs do not share counters). */
  namespace: string;
}

/** A client of one request: its IP address and, when its token was verified, its end user. */
export interface RateLimitedClient {
  ip: string | undefined;
  identity: Identity | null;
}

/** The error code of a request over a limit. */
export const RATE_LIMITED = 'RATE_LIMITED';

/**
 * Rate limits of the router (rate-limiter-flexible `RateLimiterRedis` on a connection of its own):
 * `perSubject` requests per `windowS` for one verified end user, `perIp` for one client address.
 * A request over a limit is refused with `RATE_LIMITED`, HTTP 429 and `Retry-After` (seconds until
 * the window ends); nothing of it runs.
 * - `ipLimit()`: express middleware counting every HTTP request to the GraphQL paths (malformed
 *   ones too) per client IP (`req.ip`: the socket's address unless express `trust proxy` is set);
 * - `subjectPlugin()`: Apollo Server plugin counting each HTTP operation of a verified end user
 *   (`contextValue.identity`) once it is resolved; operations run through `executeOperation`
 *   without an HTTP request (those of graphql-ws) are not counted there;
 * - `admit(client)`: both limits for one graphql-ws `subscribe` message, and the per-IP limit for
 *   each WebSocket handshake (`identity: null`; refused with an HTTP 429 instead of the upgrade).
 * While Redis is unreachable the limits fail open to per-process in-memory counters
 * (rate-limiter-flexible `insuranceLimiter`, same limits), logged once per outage; a limiter that
 * fails otherwise is logged and the request admitted: never a 500.
 */
export class RateLimits {
  private readonly redis?: Redis;
  private readonly bySubject?: RateLimiterRedis;
  private readonly byIp?: RateLimiterRedis;
  private inMemory = false;

  /** The limits of `config`, once their Redis connection is ready (or after 2 s: then they start in memory). */
  static async start(config: RateLimitConfig, logger: Logger): Promise<RateLimits> {
    const limits = new RateLimits(config, logger);
    if (limits.redis) await whenReady(limits.redis, 2000);
    return limits;
  }

  private constructor(
    private readonly config: RateLimitConfig,
    private readonly logger: Logger,
  ) {
    if (config.perSubject === 0 && config.perIp === 0) return;
    this.redis = createRedis(config.redisUrl, { name: 'router-rate-limit', logger });
    const limiter = (kind: string, points: number) =>
      points === 0
        ? undefined
        : new RateLimiterRedis({
            storeClient: this.redis,
            rejectIfRedisNotReady: true,
            keyPrefix: `${config.namespace}router:rate:${kind}`,
            points,
            duration: config.windowS,
            insuranceLimiter: new RateLimiterMemory({ keyPrefix: `router:rate:${kind}`, points, duration: config.windowS }),
          });
    this.bySubject = limiter('subject', config.perSubject);
    this.byIp = limiter('ip', config.perIp);
  }

  /** Counts one request of `client` against both limits: null when admitted, else the `RATE_LIMITED` error (429, `Retry-After`). */
  async admit(client: RateLimitedClient): Promise<GraphQLError | null> {
    if (this.byIp && client.ip) {
      const refused = await this.consume(this.byIp, client.ip, 'client address', this.config.perIp);
      if (refused) return refused;
    }
    if (this.bySubject && client.identity) return this.consume(this.bySubject, client.identity.subject, 'user', this.config.perSubject);
    return null;
  }

  /** Express middleware: the per-IP limit on each request it sees; over it, 429 with a GraphQL-shaped `RATE_LIMITED` and `Retry-After`. */
  ipLimit(): RequestHandler {
    return (req, res, next) => {
      if (!this.byIp) {
        next();
        return;
      }
      void this.admit({ ip: req.ip ?? req.socket.remoteAddress, identity: null }).then((refused) => {
        if (!refused) {
          next();
          return;
        }
        const { status, headers } = refused.extensions.http as { status: number; headers: HeaderMap };
        res.status(status).set(Object.fromEntries(headers)).json({ errors: [{ message: refused.message, extensions: { code: RATE_LIMITED } }] });
      });
    };
  }

  /** Apollo Server plugin: the per-subject limit on each HTTP operation of a verified end user (thrown from `didResolveOperation`: 429). */
  subjectPlugin(): ApolloServerPlugin<{ identity?: Identity | null }> {
    return {
      requestDidStart: async ({ request, contextValue }) => {
        if (!this.bySubject || !request.http || !contextValue.identity) return;
        const identity = contextValue.identity;
        return {
          didResolveOperation: async () => {
            const refused = await this.admit({ ip: undefined, identity });
            if (refused) throw refused;
          },
        };
      },
    };
  }

  /**
   * The router's readiness check of Redis (CONTRACT.md "Endpoints": ready when its Redis is
   * reachable): a PING on the limits' connection; undefined when both limits are off and the
   * router holds no Redis connection.
   */
  redisCheck(): (() => Promise<boolean>) | undefined {
    const redis = this.redis;
    return redis && (async () => (await redis.ping()) === 'PONG');
  }

  /** Closes the Redis connection. */
  async close(): Promise<void> {
    if (this.redis?.status === 'ready') await this.redis.quit();
    else this.redis?.disconnect();
  }

  private async consume(limiter: RateLimiterRedis, key: string, what: string, points: number): Promise<GraphQLError | null> {
    this.noticeRedis();
    try {
      await limiter.consume(key);
      return null;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) {
        this.logger.error({ err: rejection }, 'rate limiter failed; request admitted');
        return null;
      }
      const retryAfterS = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      return new GraphQLError(`Too many requests: at most ${points} per ${this.config.windowS} s for one ${what}; retry after ${retryAfterS} s`, {
        extensions: { code: RATE_LIMITED, http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfterS)]]) } },
      });
    }
  }

  /** Logs when the counters move to memory (Redis not ready) and back. */
  private noticeRedis(): void {
    const down = this.redis?.status !== 'ready';
    if (down === this.inMemory) return;
    this.inMemory = down;
    if (down) this.logger.warn({ status: this.redis?.status }, 'Redis unreachable: rate limits counted in memory, per router process, until it is back');
    else this.logger.info('Redis reachable again: rate limits counted in Redis');
  }
}
