import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import type { EventEnvelope } from '@supergraph/kernel';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A private `EVENTS_NAMESPACE` for one test file, and `clear()` to delete its keys afterwards. */
export interface RedisNamespace {
  namespace: string;
  clear(): Promise<void>;
}

/** A unique stream-name prefix (`t<hex>:`), so tests sharing one Redis never see each other's events. */
export function redisNamespace(): RedisNamespace {
  const namespace = `t${randomBytes(4).toString('hex')}:`;
  return {
    namespace,
    clear: async () => {
      const redis = new Redis(REDIS_URL);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}*`, 'COUNT', 500);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** The envelopes on `stream`, oldest first, optionally only those of `type` (entries as the relay writes them). */
export async function readEnvelopes(redis: Redis, stream: string, type?: string): Promise<EventEnvelope<any>[]> {
  const entries = await redis.xrange(stream, '-', '+');
  return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('envelope') + 1]) as EventEnvelope<any>).filter((e) => !type || e.type === type);
}
