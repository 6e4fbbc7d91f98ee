import type { StoreKind } from '@supergraph/kernel';
import { contextHarness, errorCode, gql, gqlData, waitFor } from '@supergraph/testing';
import { main } from '../src/main';

/** The ticket subgraph on its polyglot store (PostgreSQL) and real Redis. */
describe('ticket subgraph (PostgreSQL + Redis)', () => {
  const subgraph = contextHarness({ context: 'ticket', kind: 'postgresql', main });
  beforeAll(() => subgraph.start());
  afterAll(() => subgraph.dispose());

  const register = (input: Record<string, unknown>) =>
    gql(subgraph.url, 'mutation($input: RegisterTicketInput!) { registerTicket(input: $input) { id title status price seats organizerId createdAt } }', { input });

  it('registers a ticket and publishes TicketRegistered on ticket.events after commit', async () => {
    const result = await register({ title: 'Swan Lake', venue: 'Seoul Arts Center', price: 50000, seats: 10, organizerId: 'org-1' });
    const ticket = result.data!.registerTicket;
    expect(ticket).toMatchObject({ title: 'Swan Lake', status: 'ON_SALE', price: 50000, seats: 10, organizerId: 'org-1' });
    const entries = await waitFor('TicketRegistered on the stream', async () => {
      const found = await subgraph.redis.xrange(subgraph.stream('ticket'), '-', '+');
      return found.length > 0 ? found : undefined;
    });
    const envelope = JSON.parse(entries[0][1][3]);
    expect(envelope).toMatchObject({ type: 'TicketRegistered', aggregateId: ticket.id, aggregateType: 'Ticket', aggregateVersion: 1, producer: 'ticket', causationId: null });
    expect(envelope.payload).toMatchObject({ ticketId: ticket.id, price: 50000, seats: 10, organizerId: 'org-1' });
  });

  it('rejects invalid input with BAD_USER_INPUT naming the field and writes nothing', async () => {
    const before = await gqlData(subgraph.url, '{ tickets { totalCount } }');
    const result = await register({ title: 'X', venue: 'Y', price: 0, seats: 10, organizerId: 'org-1' });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0].message).toContain('input.price');
    expect(result.errors![0].extensions).not.toHaveProperty('stacktrace');
    const after = await gqlData(subgraph.url, '{ tickets { totalCount } }');
    expect(after.tickets.totalCount).toBe(before.tickets.totalCount);
  });

  it('searches by text, organizer and on-sale state, newest first, with cursors', async () => {
    const ids: string[] = [];
    for (const title of ['Jazz Night A', 'Jazz Night B', 'Jazz Night C']) {
      ids.push((await register({ title, venue: 'Blue Hall', price: 1000, seats: 5, organizerId: 'org-search' })).data!.registerTicket.id);
    }
    const query = 'query($after: String) { tickets(search: "jazz NIGHT", organizerId: "org-search", first: 2, after: $after) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }';
    const page1 = (await gqlData(subgraph.url, query)).tickets;
    expect(page1.totalCount).toBe(3);
    expect(page1.edges.map((e: any) => e.node.id)).toEqual([ids[2], ids[1]]);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = (await gqlData(subgraph.url, query, { after: page1.pageInfo.endCursor })).tickets;
    expect(page2.edges.map((e: any) => e.node.id)).toEqual([ids[0]]);
    expect(page2.pageInfo.hasNextPage).toBe(false);

    await gqlData(subgraph.url, 'mutation($id: ID!) { deleteTicket(id: $id) { status } }', { id: ids[1] });
    const onSale = (await gqlData(subgraph.url, '{ tickets(organizerId: "org-search", onSaleOnly: true) { edges { node { id } } } }')).tickets;
    expect(onSale.edges.map((e: any) => e.node.id)).toEqual([ids[2], ids[0]]);
  });

  it('deletes once: NOT_FOUND for an unknown ticket, CONFLICT the second time', async () => {
    const id = (await register({ title: 'Once', venue: 'Hall', price: 1000, seats: 1, organizerId: 'org-1' })).data!.registerTicket.id;
    const del = 'mutation($id: ID!) { deleteTicket(id: $id) { id status deletedAt } }';
    expect((await gqlData(subgraph.url, del, { id })).deleteTicket).toMatchObject({ id, status: 'DELETED' });
    expect(errorCode(await gql(subgraph.url, del, { id }))).toBe('CONFLICT');
    expect(errorCode(await gql(subgraph.url, del, { id: 'nope' }))).toBe('NOT_FOUND');
  });

  it('resolves entity references for the router in one batch', async () => {
    const id = (await register({ title: 'Ref', venue: 'Hall', price: 1000, seats: 1, organizerId: 'org-1' })).data!.registerTicket.id;
    const data = await gqlData(subgraph.url, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Ticket { id title } } }', {
      r: [{ __typename: 'Ticket', id }, { __typename: 'Ticket', id: 'missing' }],
    });
    expect(data._entities).toEqual([{ id, title: 'Ref' }, null]);
  });
});

/** What must behave the same on every store the ticket context can run on (SQLite by default). */
describe.each<StoreKind>(['sqlite', 'postgresql', 'mysql'])('ticket search and storage on %s', (kind) => {
  const subgraph = contextHarness({ context: 'ticket', kind, main });
  beforeAll(() => subgraph.start());
  afterAll(() => subgraph.dispose());

  const register = async (input: { title: string; venue?: string; price?: number; organizerId: string }) =>
    (await gqlData(subgraph.url, 'mutation($input: RegisterTicketInput!) { registerTicket(input: $input) { id title venue price } }', {
      input: { venue: 'Dome', price: 1000, seats: 5, ...input },
    })).registerTicket;
  const search = async (text: string, organizerId: string) =>
    (await gqlData(subgraph.url, 'query($s: String, $o: ID) { tickets(search: $s, organizerId: $o) { totalCount edges { node { title } } } }', { s: text, o: organizerId })).tickets;
  const titlesFound = async (text: string, organizerId: string) => {
    const page = await search(text, organizerId);
    expect(page.totalCount).toBe(page.edges.length);
    return page.edges.map((e: any) => e.node.title).sort();
  };

  it('finds `%`, `_`, `!` and `\\` literally, never as wildcards or escapes', async () => {
    const org = `org-like-${kind}`;
    for (const title of ['100% Live', '1000 Nights', 'a_b Quartet', 'axb Trio', 'Wow! Show', 'C:\\Music']) await register({ title, organizerId: org });

    expect(await titlesFound('100%', org)).toEqual(['100% Live']);
    expect(await titlesFound('a_b', org)).toEqual(['a_b Quartet']);
    expect(await titlesFound('%', org)).toEqual(['100% Live']);
    expect(await titlesFound('_', org)).toEqual(['a_b Quartet']);
    expect(await titlesFound('!', org)).toEqual(['Wow! Show']);
    expect(await titlesFound('w! s', org)).toEqual(['Wow! Show']);
    expect(await titlesFound('\\', org)).toEqual(['C:\\Music']);
    expect(await titlesFound('a', org)).toEqual(['a_b Quartet', 'axb Trio']);
  });

  it('registers and finds a title whose lower-case form is longer than the title (İ → i̇)', async () => {
    const org = `org-dotted-${kind}`;
    const title = 'İ'.repeat(200);
    expect('İ'.toLowerCase()).toHaveLength(2);
    const ticket = await register({ title, venue: 'İ'.repeat(200), organizerId: org });
    expect(ticket).toMatchObject({ title, venue: 'İ'.repeat(200) });
    expect(await titlesFound('İİ', org)).toEqual([title]);
  });

  it('stores the largest GraphQL Int as a price', async () => {
    const ticket = await register({ title: 'Priceless', price: 2_147_483_647, organizerId: `org-price-${kind}` });
    expect(ticket.price).toBe(2_147_483_647);
    const data = await gqlData(subgraph.url, 'query($id: ID!) { ticket(id: $id) { price } }', { id: ticket.id });
    expect(data.ticket.price).toBe(2_147_483_647);
  });
});
