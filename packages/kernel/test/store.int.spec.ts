import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { MikroORM } from '@mikro-orm/core';
import { freshStore, FreshStore } from '@supergraph/testing';
import { OutboxMessage } from '../src/events/outbox-message';
import { ProcessedEvent } from '../src/events/processed-event';
import { openStore, storeReachable } from '../src/store/orm';
import { Counter, CounterSchema, STORE_KINDS } from './fixtures';

/** openStore brings up the context's tables plus the kernel's outbox and inbox on each store kind. */
describe.each(STORE_KINDS)('openStore on %s', (kind) => {
  let store: FreshStore;
  let orm: MikroORM | undefined;

  beforeAll(async () => {
    store = await freshStore(kind, `store_${kind}`);
  });
  afterEach(async () => {
    await orm?.close(true);
    orm = undefined;
  });
  afterAll(async () => {
    await store?.drop();
  });

  const count = async (o: MikroORM, table: string) => {
    const [row] = await o.em.fork().getConnection().execute<{ n: number | string }[]>(`select count(*) as n from ${table}`);
    return Number(row.n);
  };

  it('creates the database if missing, then the context tables and outbox_message and processed_event', async () => {
    // Start from no database at all (freshStore made one; drop it so openStore must create it).
    await store.drop();
    if (kind === 'sqlite') expect(existsSync(store.url)).toBe(false);
    orm = await openStore({ context: `store-${kind}`, url: store.url, entities: [CounterSchema] });
    for (const table of ['counter', 'outbox_message', 'processed_event']) expect(await count(orm, table)).toBe(0);
    // The schema now matches the metadata exactly: nothing left to update.
    expect((await orm.getSchemaGenerator().getUpdateSchemaSQL({ safe: true })).trim()).toBe('');
    expect(await storeReachable(orm)).toBe(true);
  });

  it('round-trips an aggregate, outbox rows (autoincrement seq in insert order) and inbox rows', async () => {
    orm = await openStore({ context: `store-${kind}`, url: store.url, entities: [CounterSchema] });
    const em = orm.em.fork();
    const counter = Counter.open(`c-${kind}`, 'round trip');
    counter.increment(5);
    const createdAt = new Date('2026-11-21T01:14:00Z');
    em.persist([
      counter,
      new OutboxMessage('e-1', 's.events', 'A', '{"a":1}', createdAt),
      new OutboxMessage('e-2', 's.events', 'B', '{"b":2}', createdAt),
      new ProcessedEvent('group-a', 'e-9', createdAt),
    ]);
    await em.flush();

    const read = orm.em.fork();
    expect(await read.findOneOrFail(Counter, `c-${kind}`)).toMatchObject({ label: 'round trip', value: 5, version: 2 });
    const rows = await read.find(OutboxMessage, {}, { orderBy: { seq: 'asc' } });
    expect(rows.map((r) => r.eventId)).toEqual(['e-1', 'e-2']);
    expect(rows[1].seq).toBeGreaterThan(rows[0].seq);
    expect(rows[0]).toMatchObject({ stream: 's.events', type: 'A', envelope: '{"a":1}', publishedAt: null });
    expect(rows[0].createdAt.toISOString()).toBe(createdAt.toISOString());
    expect(await read.findOneOrFail(ProcessedEvent, { consumer: 'group-a', eventId: 'e-9' })).toBeInstanceOf(ProcessedEvent);
  });

  it('enforces one outbox row per event id and one inbox row per (consumer, event)', async () => {
    orm = await openStore({ context: `store-${kind}`, url: store.url, entities: [CounterSchema] });
    const em = orm.em.fork();
    em.persist(new OutboxMessage('e-1', 's.events', 'A', '{}'));
    await expect(em.flush()).rejects.toThrow();
    const em2 = orm.em.fork();
    em2.persist(new ProcessedEvent('group-a', 'e-9'));
    await expect(em2.flush()).rejects.toThrow();
    const em3 = orm.em.fork();
    em3.persist(new ProcessedEvent('group-b', 'e-9'));
    await em3.flush();
  });

  it('reopening keeps the data and changes nothing (safe schema update)', async () => {
    orm = await openStore({ context: `store-${kind}`, url: store.url, entities: [CounterSchema] });
    expect(await count(orm, 'outbox_message')).toBe(2);
    expect(await count(orm, 'counter')).toBe(1);
    expect(await storeReachable(orm)).toBe(true);
    await orm.close(true);
    expect(await storeReachable(orm)).toBe(false);
    orm = undefined;
  });

  if (kind === 'sqlite') {
    it('creates missing parent folders of an SQLite file', async () => {
      const nested = join(dirname(store.url), 'a', 'b', 'nested.sqlite');
      orm = await openStore({ context: 'store-nested', url: `sqlite:${nested}`, entities: [CounterSchema] });
      expect(existsSync(nested)).toBe(true);
      expect(await count(orm, 'outbox_message')).toBe(0);
    });
  }
});

/** SQLite stores are opened in WAL mode with a busy timeout: another process reading the file never breaks the writer. */
describe('openStore on sqlite with a concurrent reader', () => {
  let store: FreshStore;
  let orm: MikroORM | undefined;

  beforeAll(async () => {
    store = await freshStore('sqlite', 'store_sqlite_reader');
  });
  afterAll(async () => {
    await orm?.close(true);
    await store?.drop();
  });

  it('commits every write while a second connection keeps reading the file', async () => {
    orm = await openStore({ context: 'store-sqlite-reader', url: store.url, entities: [CounterSchema] });
    const [mode] = await orm.em.getConnection().execute<{ journal_mode: string }[]>('pragma journal_mode');
    expect(mode.journal_mode).toBe('wal');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Database = require('libsql') as new (file: string) => { prepare(sql: string): { all(): unknown[] }; close(): void };
    const reader = new Database(store.url);
    let reading = true;
    let reads = 0;
    const readLoop = (async () => {
      while (reading) {
        reader.prepare('select count(*) as n from counter').all();
        reads += 1;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    try {
      for (let i = 0; i < 100; i += 1) {
        await orm.em.fork().transactional(async (tx) => {
          tx.persist(new Counter(`c${i}`, `label ${i}`));
        });
      }
    } finally {
      reading = false;
      await readLoop;
      reader.close();
    }
    expect(reads).toBeGreaterThan(0);
    const [row] = await orm.em.fork().getConnection().execute<{ n: number }[]>('select count(*) as n from counter');
    expect(Number(row.n)).toBe(100);
  });
});
