import Redis, { RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { createLogger } from './logger';

export type { Redis } from 'ioredis';

/** What `createRedis` may be given; defaults in brackets. */
export interface CreateRedisOptions {
  /**
   * Turns off the offline queue so commands fail at once while Redis is down instead of piling
   * up; callers (relay, consumer) retry with backoff themselves [true].
   */
  failFast?: boolean;
  /** Connection name (`CLIENT SETNAME`), also the name of the default logger. */
  name?: string;
  /** Where connection errors are logged (`logRedisErrors`) [a pino logger named `name` or `redis`]. */
  logger?: Logger;
}

/**
 * An ioredis connection for the kernel's own use. While Redis is down, ioredis reconnects with
 * backoff (50 ms doubling, at most 2 s) and its connection errors are logged through `logger`,
 * rate-limited (`logRedisErrors`), instead of ioredis's "Unhandled error event" stack traces.
 * Blocking reads (XREADGROUP BLOCK) need a connection of their own.
 */
export function createRedis(url: string, options: CreateRedisOptions = {}): Redis {
  const opts: RedisOptions = {
    connectionName: options.name,
    enableOfflineQueue: !(options.failFast ?? true),
    maxRetriesPerRequest: options.failFast === false ? 20 : 1,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
    lazyConnect: false,
  };
  const redis = new Redis(url, opts);
  logRedisErrors(redis, options.logger ?? createLogger(options.name ?? 'redis'));
  return redis;
}

/**
 * Listens to the `error` events of `redis` (without a listener ioredis prints each one with its
 * stack on stderr): the first is logged at `warn` with its code and message, then at most one
 * line per `intervalMs` (default 30 s) counting the ones left out; when the connection is ready
 * again after errors, one `info` line says so.
 */
export function logRedisErrors(redis: Redis, logger: Logger, intervalMs = 30_000): void {
  let lastLoggedAt = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  let failing = false;
  const connection = redis.options.connectionName;
  redis.on('error', (error: Error & { code?: string }) => {
    failing = true;
    const now = Date.now();
    if (now - lastLoggedAt < intervalMs) {
      suppressed += 1;
      return;
    }
    logger.warn({ connection, code: error.code, reason: error.message, suppressed }, 'redis connection error; reconnecting');
    lastLoggedAt = now;
    suppressed = 0;
  });
  redis.on('ready', () => {
    if (!failing) return;
    logger.info({ connection, suppressed }, 'redis connection ready again');
    failing = false;
    suppressed = 0;
    lastLoggedAt = Number.NEGATIVE_INFINITY;
  });
}

/**
 * Resolves once `redis` is connected (`ready`), or after `timeoutMs`, whichever comes first.
 * Connections opened with `enableOfflineQueue: false` fail every command while connecting; blocking
 * readers wait here first so that a start does not cost them a warning and a back-off.
 */
export async function whenReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    redis.once('ready', done);
  });
}

/** A flat `[field, value, field, value, …]` Redis reply (XINFO) as an object. */
export function fieldsOf(flat: unknown[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[String(flat[i])] = flat[i + 1];
  return fields;
}

/** The value of field `name` in a stream entry's flat `[field, value, field, value, …]` list, if present. */
export function streamField(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** Name of the stream a context publishes to: `<namespace><context>.events` (ARCHITECTURE.md "Events"). */
export function eventStream(namespace: string, context: string): string {
  return `${namespace}${context}.events`;
}

/** Dead-letter stream of a consumer group on a stream: `<stream>.dlq`. */
export function deadLetterStream(stream: string): string {
  return `${stream}.dlq`;
}
