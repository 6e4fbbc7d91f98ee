import type { MikroORM } from '@mikro-orm/core';
import { freshStore, FreshStore } from '@supergraph/testing';
import { groupLoader, uniqueLoader } from '../src/graphql/loaders';
import { openStore } from '../src/store/orm';
import { Counter, CounterSchema } from './fixtures';

/** Federation loaders batch `__resolveReference` lookups into one query per request. */
describe('DataLoaders (SQLite)', () => {
  let store: FreshStore;
  let orm: MikroORM;

  beforeAll(async () => {
    store = await freshStore('sqlite', 'loaders');
    orm = await openStore({ context: 'loaders', url: store.url, entities: [CounterSchema] });
    const em = orm.em.fork();
    for (const [id, label] of [['a', 'red'], ['b', 'blue'], ['c', 'red'], ['d', 'red']]) em.persist(new Counter(id, label));
    await em.flush();
  });
  afterAll(async () => {
    await orm?.close(true);
    await store?.drop();
  });

  it('uniqueLoader: one query for many keys, results in key order, null for missing', async () => {
    const em = orm.em.fork();
    const find = jest.spyOn(em, 'find');
    const loader = uniqueLoader(em, Counter);
    const results = await Promise.all(['c', 'missing', 'a', 'c'].map((id) => loader.load(id)));
    expect(results.map((r) => r?.id ?? null)).toEqual(['c', null, 'a', 'c']);
    expect(find).toHaveBeenCalledTimes(1);
  });

  it('uniqueLoader with an explicit key, through loadMany', async () => {
    const loader = uniqueLoader(orm.em.fork(), Counter, 'id');
    expect((await loader.loadMany(['b', 'd', 'zz'])).map((r) => (r as Counter | null)?.label ?? null)).toEqual(['blue', 'red', null]);
  });

  it('groupLoader: every row per key in one query, ordered, empty list for none', async () => {
    const em = orm.em.fork();
    const find = jest.spyOn(em, 'find');
    const loader = groupLoader(em, Counter, 'label', { id: 'desc' });
    const [red, green, blue] = await Promise.all(['red', 'green', 'blue'].map((label) => loader.load(label)));
    expect(red.map((c) => c.id)).toEqual(['d', 'c', 'a']);
    expect(green).toEqual([]);
    expect(blue.map((c) => c.id)).toEqual(['b']);
    expect(find).toHaveBeenCalledTimes(1);
  });
});
