import type { MikroORM } from '@mikro-orm/core';
import { openStore, StoreKind } from '@supergraph/kernel';
import { freshStore, FreshStore, waitFor } from '@supergraph/testing';
import { allocateNotificationIds } from '../src/infrastructure/notification-sequence.schema';
import { notificationEntities } from '../src/infrastructure/notification.schema';

/**
 * Whether an allocation of the store at `orm` is waiting for the sequence row's lock right now
 * (PostgreSQL: a backend waiting on a lock; MariaDB: the UPDATE running for over 200 ms).
 */
async function allocationWaits(orm: MikroORM, kind: StoreKind): Promise<boolean> {
  const connection = orm.em.getConnection();
  const [row] =
    kind === 'postgresql'
      ? await connection.execute(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)
      : await connection.execute("select count(*) as n from information_schema.processlist where info like 'update `notification_sequence`%' and time_ms > 200");
  return Number(row.n) > 0;
}

describe.each<StoreKind>(['postgresql', 'mysql', 'sqlite'])('allocateNotificationIds on %s', (kind) => {
  let store: FreshStore;
  let orm: MikroORM;
  beforeAll(async () => {
    store = await freshStore(kind, 'notification_sequence');
    orm = await openStore({ context: `notification-sequence-${kind}`, url: store.url, entities: notificationEntities });
  });
  afterAll(async () => {
    await orm?.close(true);
    await store?.drop();
  });

  const allocate = (count: number) => orm.em.fork().transactional((tx) => allocateNotificationIds(tx, count));

  it('hands out 20-digit ids counting up from 1, starting the sequence row on first use; a rolled-back allocation is undone', async () => {
    expect(await allocate(2)).toEqual(['00000000000000000001', '00000000000000000002']);
    expect(await allocate(1)).toEqual(['00000000000000000003']);
    await expect(
      orm.em.fork().transactional(async (tx) => {
        await allocateNotificationIds(tx, 5);
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    expect(await allocate(3)).toEqual(['00000000000000000004', '00000000000000000005', '00000000000000000006']);
  });

  if (kind !== 'sqlite') {
    // SQLite runs one write transaction at a time on its single connection: nothing to interleave.
    it('makes a concurrent allocation wait for the first transaction to commit, so ids follow commit order', async () => {
      await allocate(1);
      let allocated!: () => void;
      const firstAllocated = new Promise<void>((resolve) => (allocated = resolve));
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const first = orm.em.fork().transactional(async (tx) => {
        const ids = await allocateNotificationIds(tx, 1);
        allocated();
        await held;
        return ids;
      });
      await firstAllocated;
      let secondDone = false;
      const second = orm.em.fork().transactional(async (tx) => {
        const ids = await allocateNotificationIds(tx, 1);
        secondDone = true;
        return ids;
      });
      await waitFor('the second allocation to wait for the sequence row lock', () => allocationWaits(orm, kind));
      expect(secondDone).toBe(false);
      release();
      const [[a], [b]] = await Promise.all([first, second]);
      expect(b > a).toBe(true);
      expect(BigInt(b) - BigInt(a)).toBe(1n);
    });
  }
});
