import type { MikroORM } from '@mikro-orm/core';
import { freshStore, FreshStore } from '@supergraph/testing';
import { DomainError } from '../src/domain';
import { EventEnvelope, newId } from '../src/events/envelope';
import { OutboxMessage } from '../src/events/outbox-message';
import { UnitOfWork } from '../src/events/unit-of-work';
import { openStore } from '../src/store/orm';
import { commandMeta, Counter, CounterSchema, findCounter, openCounter, outboxRows, STORE_KINDS, Tally, TallySchema, UUID_V7 } from './fixtures';

/** The transactional outbox: aggregate changes and their events commit or roll back together. */
describe.each(STORE_KINDS)('UnitOfWork on %s', (kind) => {
  let store: FreshStore;
  let orm: MikroORM;
  const wake = jest.fn();
  const uow = new UnitOfWork('counting', 'tns:counting.events', { wake });

  beforeAll(async () => {
    store = await freshStore(kind, `uow_${kind}`);
    orm = await openStore({ context: `uow-${kind}`, url: store.url, entities: [CounterSchema, TallySchema] });
  });
  afterAll(async () => {
    await orm?.close(true);
    await store?.drop();
  });
  beforeEach(() => wake.mockClear());

  /** Outbox rows written after `from` (rows of earlier tests excluded), envelopes parsed. */
  const newRows = async (from: number) => (await outboxRows(orm)).slice(from).map((row) => ({ row, env: JSON.parse(row.envelope) as EventEnvelope }));

  it('stages the events of every aggregate the transaction touched as outbox rows, then wakes the relay', async () => {
    const before = (await outboxRows(orm)).length;
    const existing = await openCounter(uow, orm);
    wake.mockClear();
    const fresh = newId();
    const meta = { correlationId: newId(), causationId: newId() };

    const result = await uow.run(orm.em, meta, async (tx) => {
      tx.persist(Counter.open(fresh, 'fresh'));
      const loaded = await tx.findOneOrFail(Counter, existing);
      loaded.increment(2);
      loaded.increment(3);
      await tx.findOneOrFail(Counter, fresh); // touched but raising nothing more
      return 'done';
    });

    expect(result).toBe('done');
    expect(wake).toHaveBeenCalledTimes(1);
    const rows = await newRows(before + 1);
    expect(rows.map(({ env }) => `${env.aggregateId === fresh ? 'fresh' : 'existing'}:${env.type}@${env.aggregateVersion}`).sort()).toEqual([
      'existing:CounterIncremented@2',
      'existing:CounterIncremented@3',
      'fresh:CounterOpened@1',
    ]);
    for (const { row, env } of rows) {
      expect(env.id).toMatch(UUID_V7);
      expect(row).toMatchObject({ eventId: env.id, stream: 'tns:counting.events', type: env.type, publishedAt: null });
      expect(env).toMatchObject({ version: 1, aggregateType: 'Counter', producer: 'counting', correlationId: meta.correlationId, causationId: meta.causationId });
      expect(new Date(env.occurredAt).toISOString()).toBe(env.occurredAt);
    }
    // Events of one aggregate keep their raise order in the outbox.
    const increments = rows.filter(({ env }) => env.type === 'CounterIncremented');
    expect(increments.map(({ env }) => env.payload)).toEqual([{ counterId: existing, by: 2, value: 2 }, { counterId: existing, by: 3, value: 5 }]);
    expect(await findCounter(orm, existing)).toMatchObject({ value: 5, version: 3 });
  });

  it('a DomainError thrown in work leaves neither the aggregate nor outbox rows, and is rethrown as is', async () => {
    const before = (await outboxRows(orm)).length;
    const existing = await openCounter(uow, orm);
    wake.mockClear();
    const fresh = newId();
    const rule = new DomainError('CONFLICT', 'counter is frozen');

    await expect(
      uow.run(orm.em, commandMeta(), async (tx) => {
        tx.persist(Counter.open(fresh, 'never'));
        (await tx.findOneOrFail(Counter, existing)).increment(7);
        await tx.flush(); // even already-flushed changes roll back
        throw rule;
      }),
    ).rejects.toBe(rule);

    expect(wake).not.toHaveBeenCalled();
    expect(await findCounter(orm, fresh)).toBeNull();
    expect(await findCounter(orm, existing)).toMatchObject({ value: 0, version: 1 });
    expect((await outboxRows(orm)).length).toBe(before + 1); // only the CounterOpened of `existing`
  });

  it('outbox rows are written inside the transaction: staged rows roll back with it', async () => {
    const before = (await outboxRows(orm)).length;
    const fresh = newId();
    await expect(
      uow.run(orm.em, commandMeta(), async (tx) => {
        tx.persist(Counter.open(fresh, 'staged then rolled back'));
        expect(await uow.stage(tx, commandMeta())).toBe(1);
        expect(await tx.count(OutboxMessage, {})).toBe(before + 1); // visible inside the transaction
        throw new DomainError('CONFLICT', 'changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect((await outboxRows(orm)).length).toBe(before);
    expect(await findCounter(orm, fresh)).toBeNull();
  });

  it('a failing flush (duplicate aggregate) stages nothing', async () => {
    const existing = await openCounter(uow, orm);
    const before = (await outboxRows(orm)).length;
    await expect(uow.run(orm.em, commandMeta(), async (tx) => tx.persist(Counter.open(existing, 'duplicate id')))).rejects.toThrow();
    expect((await outboxRows(orm)).length).toBe(before);
    expect(await findCounter(orm, existing)).toMatchObject({ label: `counter ${existing}` });
  });

  it('a validation error raised by the aggregate inside work rolls back earlier changes of the same transaction', async () => {
    const before = (await outboxRows(orm)).length;
    const existing = await openCounter(uow, orm);
    await expect(
      uow.run(orm.em, commandMeta(), async (tx) => {
        const counter = await tx.findOneOrFail(Counter, existing);
        counter.increment(1);
        counter.increment(5000); // BAD_USER_INPUT
      }),
    ).rejects.toMatchObject({ code: 'BAD_USER_INPUT', field: 'by' });
    expect(await findCounter(orm, existing)).toMatchObject({ value: 0, version: 1 });
    expect((await outboxRows(orm)).length).toBe(before + 1);
  });

  it('stages the event of an aggregate removed in the same transaction', async () => {
    const id = await openCounter(uow, orm);
    const before = (await outboxRows(orm)).length;
    await uow.run(orm.em, commandMeta(), async (tx) => {
      const counter = await tx.findOneOrFail(Counter, id);
      counter.close();
      tx.remove(counter);
    });
    expect(await findCounter(orm, id)).toBeNull();
    const rows = await newRows(before);
    expect(rows.map(({ env }) => [env.type, env.aggregateId, env.aggregateVersion])).toEqual([['CounterClosed', id, 2]]);
  });

  it('stages nothing and writes nothing when no aggregate raised events', async () => {
    const id = await openCounter(uow, orm);
    const before = (await outboxRows(orm)).length;
    wake.mockClear();
    const value = await uow.run(orm.em, commandMeta(), async (tx) => (await tx.findOneOrFail(Counter, id)).value);
    expect(value).toBe(0);
    expect((await outboxRows(orm)).length).toBe(before);
    expect(wake).toHaveBeenCalledTimes(1); // harmless: the relay finds nothing
  });

  const incrementedVersions = async (id: string) =>
    (await outboxRows(orm)).map((r) => JSON.parse(r.envelope) as EventEnvelope).filter((e) => e.aggregateId === id && e.type === 'CounterIncremented').map((e) => e.aggregateVersion);

  it('concurrent commands on one aggregate never lose an update nor repeat an aggregateVersion', async () => {
    const id = await openCounter(uow, orm);
    const results = await Promise.allSettled(
      [1, 2, 3, 4].map(() => uow.run(orm.em, commandMeta(), async (tx) => (await tx.findOneOrFail(Counter, id)).increment(1))),
    );
    const applied = results.filter((r) => r.status === 'fulfilled').length;
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'CONFLICT' });
    expect(applied).toBeGreaterThanOrEqual(1);
    expect(await findCounter(orm, id)).toMatchObject({ value: applied, version: 1 + applied });
    expect((await incrementedVersions(id)).sort()).toEqual(Array.from({ length: applied }, (_, i) => i + 2));
  });

  it('flushing inside work, several events and repeated commands are not mistaken for conflicts', async () => {
    const id = await openCounter(uow, orm);
    await uow.run(orm.em, commandMeta(), async (tx) => {
      const counter = await tx.findOneOrFail(Counter, id);
      counter.increment(1);
      await tx.flush();
      counter.increment(2);
      counter.increment(3);
    });
    await uow.run(orm.em, commandMeta(), async (tx) => (await tx.findOneOrFail(Counter, id)).increment(4));
    expect(await findCounter(orm, id)).toMatchObject({ value: 10, version: 5 });
    expect(await incrementedVersions(id)).toEqual([2, 3, 4, 5]);
  });

  if (kind !== 'sqlite') {
    // SQLite runs one transaction at a time on its single connection, so it cannot interleave like this.
    it('when two commands read the same version, the second to write gets CONFLICT and writes nothing', async () => {
      const id = await openCounter(uow, orm);
      const before = (await outboxRows(orm)).length;
      let bothRead!: () => void;
      const gate = new Promise<void>((resolve) => (bothRead = resolve));
      let reads = 0;
      const command = (by: number) =>
        uow.run(orm.em, commandMeta(), async (tx) => {
          const counter = await tx.findOneOrFail(Counter, id);
          reads += 1;
          if (reads === 2) bothRead();
          await gate;
          counter.increment(by);
        });
      const results = await Promise.allSettled([command(1), command(10)]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(rejected.reason).toBeInstanceOf(DomainError);
      expect(rejected.reason).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(id) });
      const value = (await findCounter(orm, id))!.value;
      expect([1, 10]).toContain(value);
      expect(await findCounter(orm, id)).toMatchObject({ version: 2 });
      expect((await outboxRows(orm)).length).toBe(before + 1);
      expect(await incrementedVersions(id)).toEqual([2]);
    });
  }

  it('leaves an aggregate with an optimistic lock of its own to that lock: events staged in version order, a stale writer fails', async () => {
    const id = newId();
    await uow.run(orm.em, commandMeta(), async (tx) => tx.persist(new Tally(id)));
    for (let i = 0; i < 2; i += 1) await uow.run(orm.em, commandMeta(), async (tx) => (await tx.findOneOrFail(Tally, id)).mark());
    expect(await orm.em.fork().findOneOrFail(Tally, id)).toMatchObject({ marks: 2, version: 2, revision: 3 });
    const marked = (await outboxRows(orm)).map((r) => JSON.parse(r.envelope) as EventEnvelope).filter((e) => e.aggregateId === id);
    expect(marked.map((e) => [e.type, e.aggregateVersion, e.payload])).toEqual([
      ['TallyMarked', 1, { tallyId: id, marks: 1 }],
      ['TallyMarked', 2, { tallyId: id, marks: 2 }],
    ]);

    const before = (await outboxRows(orm)).length;
    const stale = orm.em.fork();
    const read = await stale.findOneOrFail(Tally, id);
    await uow.run(orm.em, commandMeta(), async (tx) => (await tx.findOneOrFail(Tally, id)).mark());
    await expect(uow.run(stale, commandMeta(), async (tx) => tx.merge(read).mark())).rejects.toThrow(/optimistic lock/i);
    expect(await orm.em.fork().findOneOrFail(Tally, id)).toMatchObject({ marks: 3, version: 3 });
    expect((await outboxRows(orm)).length).toBe(before + 1);
  });

  it('runs each call on its own fork: the caller’s EntityManager is left untouched', async () => {
    const request = orm.em.fork();
    await uow.run(request, commandMeta(), async (tx) => {
      expect(tx).not.toBe(request);
      tx.persist(Counter.open(newId(), 'fork'));
    });
    expect([...request.getUnitOfWork().getIdentityMap()]).toHaveLength(0);
  });
});
