import { CALLER_HEADER, DEV_ROUTER_CREDENTIAL_SECRET, Identity, InternalCredentials } from '@supergraph/kernel';
import { eventPipelineIdle, pool, waitFor } from '@supergraph/testing';
import { setTimeout as delay } from 'node:timers/promises';
import { PAGE_CUSTOMER } from './queries';

/** How much to seed and where the subgraphs are. */
export interface SeedPlan {
  tickets: number;
  bookings: number;
  customers: number;
  /** A subgraph's GraphQL endpoint by name (`ticket`, `booking`, `mypage`). */
  url: (subgraph: string) => string;
  /** A subgraph's Prometheus endpoint by name. */
  metricsUrl: (subgraph: string) => string;
  /** `ROUTER_CREDENTIAL_SECRET` the subgraphs were started with [development key]. */
  routerSecret?: string;
  /** Seats of each ticket [1000]. */
  seats?: number;
  /** Requests in flight at once [32]. */
  concurrency?: number;
  log: (line: string) => void;
}

/** What was seeded: the ticket ids (newest last) and how long each phase took, seconds. */
export interface Seeded {
  ticketIds: string[];
  bookings: number;
  seconds: { tickets: number; bookings: number; views: number };
}

export const SEED_ORGANIZER = 'bench-organizer';

/** Bookings per booked ticket: the ratio of the public benchmark's suggestion (20,000 bookings on 1,000 tickets). */
export const BOOKINGS_PER_TICKET = 20;

/** A subgraph answered the seed with GraphQL errors (`code`: the first one's). */
class SeedCallError extends Error {
  readonly code?: string;
  constructor(subgraph: string, status: number, errors: { message: string; extensions?: { code?: string } }[]) {
    super(`${subgraph} (${status}): ${errors.map((e) => e.message).join('; ') || 'no data'}`);
    this.code = errors[0]?.extensions?.code;
  }
}

/**
 * Seeds through the subgraphs' own GraphQL APIs, as the router would call them (router
 * credential of an organizer or customer; no database is written behind a context's back):
 * `registerTicket` × `tickets` on ticket (1,000 seats each); waits until booking has every ticket's
 * `TicketRegistered` (`seatsLeft` > 0 via `_entities`); `bookTicket` × `bookings` on booking, spread
 * evenly over the newest `bookings / BOOKINGS_PER_TICKET` tickets (20 bookings each, the ones
 * `tickets(first: …)` lists first); each customer makes `bookings / customers` consecutive
 * bookings, so for different tickets (`PAGE_CUSTOMER` the first ones). Each is a real booking:
 * seats held, payment approved synchronously, events through the outbox; PAYMENT_UNAVAILABLE is
 * retried. Then it waits until the events reached every consumer (outbox backlog and consumer
 * lag 0 on every subgraph, and `PAGE_CUSTOMER`'s my page complete), so the load runs on a quiet
 * stack. `concurrency` requests at a time; progress every 2 s.
 */
export async function seed(plan: SeedPlan): Promise<Seeded> {
  const credentials = new InternalCredentials({ routerSecret: plan.routerSecret || DEV_ROUTER_CREDENTIAL_SECRET });
  const call = async (subgraph: string, identity: Identity, query: string, variables: Record<string, unknown>) => {
    const response = await fetch(plan.url(subgraph), {
      method: 'POST',
      headers: { 'content-type': 'application/json', [CALLER_HEADER]: await credentials.forRouter(identity) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: Record<string, unknown>; errors?: { message: string; extensions?: { code?: string } }[] };
    if (body.errors?.length || !body.data) throw new SeedCallError(subgraph, response.status, body.errors ?? []);
    return body.data;
  };
  /** A booking refused for a passing reason (payment breaker open under the seed's own load) is tried again, at most 10 times. */
  const book = async (identity: Identity, ticketId: string) => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await call('booking', identity, 'mutation($i: BookTicketInput!) { bookTicket(input: $i) { id } }', { i: { ticketId, quantity: 1 } });
      } catch (error) {
        if (!(error instanceof SeedCallError && error.code === 'PAYMENT_UNAVAILABLE') || attempt >= 10) throw error;
        retried += 1;
        await delay(250 * attempt);
      }
    }
  };
  let retried = 0;
  const concurrency = plan.concurrency ?? 32;

  let started = performance.now();
  const organizer: Identity = { subject: SEED_ORGANIZER, role: 'organizer' };
  const ticketIds = new Array<string>(plan.tickets);
  await pool(plan.tickets, concurrency, async (i) => {
    const data = await call('ticket', organizer, 'mutation($i: RegisterTicketInput!) { registerTicket(input: $i) { id } }', {
      i: { title: `Bench concert ${i}`, venue: `Hall ${i % 50}`, price: 10_000 + (i % 10) * 1_000, seats: plan.seats ?? 1_000 },
    });
    ticketIds[i] = (data.registerTicket as { id: string }).id;
  }, progress('tickets registered', plan.tickets, plan.log));
  await waitFor('booking to have every ticket', async () => {
    for (let from = 0; from < ticketIds.length; from += 500) {
      const representations = ticketIds.slice(from, from + 500).map((id) => ({ __typename: 'Ticket', id }));
      const data = await call('booking', organizer, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Ticket { seatsLeft } } }', { r: representations });
      if ((data._entities as { seatsLeft: number }[]).some((t) => !(t.seatsLeft > 0))) return false;
    }
    return true;
  }, 120_000, 200);
  const ticketsSeconds = (performance.now() - started) / 1000;

  started = performance.now();
  const booked = Math.min(plan.tickets, Math.ceil(plan.bookings / BOOKINGS_PER_TICKET));
  await pool(plan.bookings, concurrency, async (i) => {
    const c = Math.floor((i * plan.customers) / plan.bookings);
    const customer: Identity = { subject: c === 0 ? PAGE_CUSTOMER : `bench-customer-${c}`, role: 'customer' };
    await book(customer, ticketIds[plan.tickets - 1 - (i % booked)]);
  }, progress('bookings made', plan.bookings, plan.log));
  const bookingsSeconds = (performance.now() - started) / 1000;
  if (retried) plan.log(`${retried} bookings were refused PAYMENT_UNAVAILABLE (payment breaker under the seed's load) and made on a later attempt`);

  started = performance.now();
  const pageRows = Math.ceil(plan.bookings / plan.customers);
  plan.log(`waiting for the events to reach every view (outbox backlog and consumer lag 0, ${PAGE_CUSTOMER}'s page ${pageRows} rows)`);
  await waitFor('the events to reach every view', async () => {
    for (const subgraph of ['ticket', 'booking', 'payment', 'notification', 'mypage']) {
      if (!(await eventPipelineIdle(plan.metricsUrl(subgraph)))) return false;
    }
    const data = await call('mypage', { subject: PAGE_CUSTOMER, role: 'customer' }, 'query { myPage { bookingId } }', {});
    return (data.myPage as unknown[]).length >= pageRows;
  }, 600_000, 200);
  const viewsSeconds = (performance.now() - started) / 1000;
  return { ticketIds, bookings: plan.bookings, seconds: { tickets: ticketsSeconds, bookings: bookingsSeconds, views: viewsSeconds } };
}

/** A progress printer: a line every 2 s and at the end (`bookings made 4,000/20,000 (310/s)`). */
function progress(what: string, total: number, log: (line: string) => void): (done: number) => void {
  const started = performance.now();
  let printed = started;
  return (done) => {
    const now = performance.now();
    if (done < total && now - printed < 2000) return;
    printed = now;
    log(`${what} ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} (${Math.round(done / ((now - started) / 1000))}/s)`);
  };
}

