import Redis from 'ioredis';
import { queryStore as query, StoreRef, tableNames } from '@supergraph/testing';

/** Row count of every table of a store, by table name. */
export async function rowCounts(store: StoreRef): Promise<Record<string, number>> {
  const quote = (name: string) => (store.kind === 'mysql' ? `\`${name}\`` : `"${name}"`);
  const counts: Record<string, number> = {};
  for (const table of (await tableNames(store.kind, store.url)).sort()) {
    const [row] = await query<{ n: number | string }>(store, `SELECT COUNT(*) AS n FROM ${quote(table)}`);
    counts[table] = Number(row.n);
  }
  return counts;
}

/** Row counts of every store, by `context.table`. */
export async function snapshot(stores: Record<string, StoreRef>): Promise<Record<string, number>> {
  const all: Record<string, number> = {};
  for (const [context, store] of Object.entries(stores)) {
    for (const [table, n] of Object.entries(await rowCounts(store))) all[`${context}.${table}`] = n;
  }
  return all;
}

/** `after - before` per table (tables only in `after` count from 0). */
export function deltas(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys({ ...before, ...after }).sort().map((table) => [table, (after[table] ?? 0) - (before[table] ?? 0)]));
}

/** An event as its outbox row or stream entry carries it. */
export interface EventTrace {
  eventId: string;
  type: string;
  correlationId: string;
  where: string;
}

/** The events in a store's outbox (published or not), with their correlation ids. */
export async function outboxEvents(context: string, store: StoreRef): Promise<EventTrace[]> {
  const rows = await query<{ envelope: string }>(store, 'SELECT envelope FROM outbox_message');
  return rows.map(({ envelope }) => {
    const parsed = JSON.parse(envelope) as { id: string; type: string; correlationId: string };
    return { eventId: parsed.id, type: parsed.type, correlationId: parsed.correlationId, where: `${context}.outbox_message` };
  });
}

/** Ids of the events a store's consumers processed (inbox). */
export async function processedEventIds(store: StoreRef): Promise<string[]> {
  return (await query<{ event_id: string }>(store, 'SELECT event_id FROM processed_event')).map((r) => r.event_id);
}

/** Every stream of `namespace` on Redis with the events on it (`<ns><context>.events`, `….dlq`). */
export async function streams(redisUrl: string, namespace: string): Promise<Record<string, EventTrace[]>> {
  const redis = new Redis(redisUrl);
  try {
    const out: Record<string, EventTrace[]> = {};
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        if ((await redis.type(key)) !== 'stream') continue;
        const entries = await redis.xrange(key, '-', '+');
        out[key] = entries.map(([, fields]) => {
          const raw = fields[fields.indexOf('envelope') + 1];
          const parsed = (raw ? JSON.parse(raw) : {}) as { id?: string; type?: string; correlationId?: string };
          return { eventId: parsed.id ?? '?', type: parsed.type ?? '?', correlationId: parsed.correlationId ?? '?', where: key };
        });
      }
    } while (cursor !== '0');
    return out;
  } finally {
    redis.disconnect();
  }
}
