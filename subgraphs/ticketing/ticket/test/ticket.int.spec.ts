import { Identity, StoreKind } from '@supergraph/kernel';
import { admin, asRouter, asService, contextHarness, customer, errorCode, gql, gqlData, organizer, refusedCallerHeaders, statusAndCode, waitFor } from '@supergraph/testing';
import { main } from '../src/main';

const REGISTER = 'mutation($input: RegisterTicketInput!) { registerTicket(input: $input) { id title status price seats organizerId createdAt } }';
const DELETE = 'mutation($id: ID!) { deleteTicket(id: $id) { id status deletedAt } }';

/** The ticket subgraph on its polyglot store (PostgreSQL) and real Redis. */
describe('ticket subgraph (PostgreSQL + Redis)', () => {
  const subgraph = contextHarness({ context: 'ticket', kind: 'postgresql', main });
  beforeAll(() => subgraph.start());
  afterAll(() => subgraph.dispose());

  /** `registerTicket` as the router forwards it for `as` (default: organizer `org-1`). */
  const register = async (input: Record<string, unknown>, as: Identity | null = organizer('org-1')) => gql(subgraph.url, REGISTER, { input }, await asRouter(as));
  /** `deleteTicket` as the router forwards it for `as` (default: organizer `org-1`). */
  const remove = async (id: string, as: Identity | null = organizer('org-1')) => gql(subgraph.url, DELETE, { id }, await asRouter(as));
  /** A read by an anonymous client (ticket search is public). */
  const anonymously = async (query: string, variables: Record<string, unknown> = {}) => gqlData(subgraph.url, query, variables, await asRouter(null));
  const ticketCount = async (): Promise<number> => (await anonymously('{ tickets { totalCount } }')).tickets.totalCount;

  it('registers a ticket for the calling organizer and publishes TicketRegistered on ticket.events after commit', async () => {
    const result = await register({ title: 'Swan Lake', venue: 'Seoul Arts Center', price: 50000, seats: 10 });
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
    const before = await ticketCount();
    const result = await register({ title: 'X', venue: 'Y', price: 0, seats: 10, organizerId: 'org-1' });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0].message).toContain('input.price');
    expect(result.errors![0].extensions).not.toHaveProperty('stacktrace');
    expect(await ticketCount()).toBe(before);
  });

  it('searches by text, organizer and on-sale state, newest first, with cursors', async () => {
    const ids: string[] = [];
    for (const title of ['Jazz Night A', 'Jazz Night B', 'Jazz Night C']) {
      ids.push((await register({ title, venue: 'Blue Hall', price: 1000, seats: 5, organizerId: 'org-search' }, organizer('org-search'))).data!.registerTicket.id);
    }
    const query = 'query($after: String) { tickets(search: "jazz NIGHT", organizerId: "org-search", first: 2, after: $after) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }';
    const page1 = (await anonymously(query)).tickets;
    expect(page1.totalCount).toBe(3);
    expect(page1.edges.map((e: any) => e.node.id)).toEqual([ids[2], ids[1]]);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = (await anonymously(query, { after: page1.pageInfo.endCursor })).tickets;
    expect(page2.edges.map((e: any) => e.node.id)).toEqual([ids[0]]);
    expect(page2.pageInfo.hasNextPage).toBe(false);

    expect((await remove(ids[1], organizer('org-search'))).data?.deleteTicket.status).toBe('DELETED');
    const onSale = (await anonymously('{ tickets(organizerId: "org-search", onSaleOnly: true) { edges { node { id } } } }')).tickets;
    expect(onSale.edges.map((e: any) => e.node.id)).toEqual([ids[2], ids[0]]);
  });

  it('deletes once: NOT_FOUND for an unknown ticket, CONFLICT the second time', async () => {
    const id = (await register({ title: 'Once', venue: 'Hall', price: 1000, seats: 1, organizerId: 'org-1' })).data!.registerTicket.id;
    expect((await remove(id)).data?.deleteTicket).toMatchObject({ id, status: 'DELETED' });
    expect(errorCode(await remove(id))).toBe('CONFLICT');
    expect(errorCode(await remove('nope'))).toBe('NOT_FOUND');
  });

  it('resolves entity references for the router in one batch, for anonymous clients too', async () => {
    const id = (await register({ title: 'Ref', venue: 'Hall', price: 1000, seats: 1, organizerId: 'org-1' })).data!.registerTicket.id;
    const data = await anonymously('query($r: [_Any!]!) { _entities(representations: $r) { ... on Ticket { id title } } }', {
      r: [{ __typename: 'Ticket', id }, { __typename: 'Ticket', id: 'missing' }],
    });
    expect(data._entities).toEqual([{ id, title: 'Ref' }, null]);
  });

  it('answers only the router and the contexts: 401 UNAUTHENTICATED without a valid internal credential, even for ticket search', async () => {
    const searchWith = (headers: Record<string, string>) => statusAndCode(subgraph.url, '{ tickets { totalCount } }', headers);
    const refused = await refusedCallerHeaders(admin());
    for (const headers of refused) expect(await searchWith(headers)).toEqual([401, 'UNAUTHENTICATED']);
    expect(await searchWith(await asRouter(null))).toEqual([200, undefined]);
  });

  it('lets an anonymous client search and read tickets, but not register or delete them (UNAUTHENTICATED, nothing written)', async () => {
    const id = (await register({ title: 'Open Air', venue: 'Park', price: 1000, seats: 3 })).data!.registerTicket.id;
    const before = await ticketCount();
    expect((await anonymously('query($id: ID!) { ticket(id: $id) { id title organizerId status } }', { id })).ticket).toEqual({ id, title: 'Open Air', organizerId: 'org-1', status: 'ON_SALE' });
    expect((await anonymously('{ tickets(search: "open air") { edges { node { id } } } }')).tickets.edges.map((e: any) => e.node.id)).toContain(id);

    expect(errorCode(await register({ title: 'Sneaky', venue: 'Hall', price: 1000, seats: 1, organizerId: 'org-1' }, null))).toBe('UNAUTHENTICATED');
    expect(errorCode(await remove(id, null))).toBe('UNAUTHENTICATED');
    const fromBooking = await gql(subgraph.url, REGISTER, { input: { title: 'Sneaky', venue: 'Hall', price: 1000, seats: 1, organizerId: 'org-1' } }, await asService('booking'));
    expect(errorCode(fromBooking)).toBe('UNAUTHENTICATED');
    expect(await ticketCount()).toBe(before);
    expect((await anonymously('query($id: ID!) { ticket(id: $id) { status } }', { id })).ticket.status).toBe('ON_SALE');
  });

  it('lets only organizers register, each for themselves: a customer or another organizer’s id is FORBIDDEN and writes nothing', async () => {
    const before = await ticketCount();
    const asCustomer = await register({ title: 'Mine', venue: 'Hall', price: 1000, seats: 1 }, customer('alice'));
    expect(errorCode(asCustomer)).toBe('FORBIDDEN');
    const forOther = await register({ title: 'Yours', venue: 'Hall', price: 1000, seats: 1, organizerId: 'org-2' }, organizer('org-1'));
    expect([errorCode(forOther), forOther.errors![0].extensions?.field]).toEqual(['FORBIDDEN', 'input.organizerId']);
    expect(await ticketCount()).toBe(before);
    expect((await subgraph.envelopes('ticket', 'TicketRegistered')).filter((e) => ['Mine', 'Yours'].includes(e.payload.title))).toEqual([]);
  });

  it('lets only the ticket’s organizer delete it: another organizer or a customer is FORBIDDEN and the ticket stays on sale', async () => {
    const id = (await register({ title: 'Guarded', venue: 'Hall', price: 1000, seats: 1 }, organizer('org-owner'))).data!.registerTicket.id;
    expect(errorCode(await remove(id, organizer('org-other')))).toBe('FORBIDDEN');
    expect(errorCode(await remove(id, customer('alice')))).toBe('FORBIDDEN');
    expect((await anonymously('query($id: ID!) { ticket(id: $id) { status deletedAt } }', { id })).ticket).toEqual({ status: 'ON_SALE', deletedAt: null });
    expect((await remove(id, organizer('org-owner'))).data?.deleteTicket).toMatchObject({ id, status: 'DELETED' });
    const deletions = await waitFor('TicketDeleted on the stream', async () => {
      const found = (await subgraph.envelopes('ticket', 'TicketDeleted')).filter((e) => e.aggregateId === id);
      return found.length ? found : undefined;
    });
    expect(deletions).toHaveLength(1);
  });

  it('lets admin register for any organizer and delete any organizer’s ticket', async () => {
    const ticket = (await register({ title: 'On behalf', venue: 'Hall', price: 1000, seats: 2, organizerId: 'org-absent' }, admin())).data!.registerTicket;
    expect(ticket).toMatchObject({ title: 'On behalf', organizerId: 'org-absent', status: 'ON_SALE' });
    expect((await remove(ticket.id, admin())).data?.deleteTicket).toMatchObject({ id: ticket.id, status: 'DELETED' });
  });
});

/** What must behave the same on every store the ticket context can run on (SQLite by default). */
describe.each<StoreKind>(['sqlite', 'postgresql', 'mysql'])('ticket search and storage on %s', (kind) => {
  const subgraph = contextHarness({ context: 'ticket', kind, main });
  beforeAll(() => subgraph.start());
  afterAll(() => subgraph.dispose());

  /** Registers as the organizer `input.organizerId`. */
  const register = async (input: { title: string; venue?: string; price?: number; organizerId: string }) =>
    (await gqlData(subgraph.url, 'mutation($input: RegisterTicketInput!) { registerTicket(input: $input) { id title venue price } }', {
      input: { venue: 'Dome', price: 1000, seats: 5, ...input },
    }, await asRouter(organizer(input.organizerId)))).registerTicket;
  /** Searches as an anonymous client. */
  const search = async (text: string, organizerId: string) =>
    (await gqlData(subgraph.url, 'query($s: String, $o: ID) { tickets(search: $s, organizerId: $o) { totalCount edges { node { title } } } }', { s: text, o: organizerId }, await asRouter(null))).tickets;
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
    const data = await gqlData(subgraph.url, 'query($id: ID!) { ticket(id: $id) { price } }', { id: ticket.id }, await asRouter(null));
    expect(data.ticket.price).toBe(2_147_483_647);
  });
});
