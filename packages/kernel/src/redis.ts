import Redis, { RedisOptions } from 'ioredis';

export type { Redis } from 'ioredis';

/**
 * An ioredis connection for the kernel's own use.
 * `failFast` (default true) turns off the offline queue so commands fail at once while Redis is
 * down instead of piling up; callers (relay, consumer) retry with backoff themselves.
 * Blocking reads (XREADGROUP BLOCK) need a connection of their own.
 */
export function createRedis(url: string, options: { failFast?: boolean; name?: string } = {}): Redis {
  const opts: RedisOptions = {
    connectionName: options.name,
    enableOfflineQueue: !(options.failFast ?? true),
    maxRetriesPerRequest: options.failFast === false ? 20 : 1,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
    lazyConnect: false,
  };
  return new Redis(url, opts);
}

/** Name of the stream a context publishes to: `<namespace><context>.events` (ARCHITECTURE.md "Events"). */
export function eventStream(namespace: string, context: string): string {
  return `${namespace}${context}.events`;
}

/** Dead-letter stream of a consumer group on a stream: `<stream>.dlq`. */
export function deadLetterStream(stream: string): string {
  return `${stream}.dlq`;
}
