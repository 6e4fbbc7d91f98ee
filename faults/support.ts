/**
 * Shared machinery of the fault suite: a polyglot stack whose environment a case can change
 * (private Redis, server stores for replicas, consumer tuning), a private redis-server that can be
 * killed and brought back on the same port and data, readers of the contexts' stores, and
 * ticketing events written onto a stream exactly as the outbox relay writes them.
 */
import { spawn, ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import Redis from 'ioredis';
import { DomainEvent, envelope, EventEnvelope, newId } from '@supergraph/kernel';
import { freePort } from '@supergraph/stack';
import { bearer, gql, gqlData, PolyglotStack, PolyglotStackOptions, queryStore, startPolyglotStack, StoreRef, waitFor } from '@supergraph/testing';
import type { TicketBooked } from '@supergraph/contracts';

/** A stack of the fault suite: the polyglot stack with the environment a case needs. */
export type FaultStack = PolyglotStack;

/**
 * Router settings of every fault stack: no rate limits: the cases send far more than the default
 * 1,200 requests a minute from one address, and a limit is not the fault they are about.
 */
const FAULT_ROUTER_ENV = { RATE_LIMIT_PER_IP: '0', RATE_LIMIT_PER_SUBJECT: '0' };

/**
 * Every subgraph (or `options.services`) and the router as real processes on the polyglot
 * profile (`startPolyglotStack`) with the environment and stores a case needs (private Redis,
 * server stores for replicas, consumer tuning) and `FAULT_ROUTER_ENV`; output in
 * `artifacts/faults-<label>-<time>.log`.
 */
export function startFaultStack(label: string, options: Omit<PolyglotStackOptions, 'logPrefix'> = {}): Promise<FaultStack> {
  return startPolyglotStack(`faults_${label}`, { ...options, env: { ...FAULT_ROUTER_ENV, ...options.env }, logPrefix: 'faults' });
}

/** Notifications stored, one row per (event id, recipient), with how many rows each key has. */
export async function notificationKeys(store: StoreRef): Promise<{ eventId: string; recipientId: string; kind: string; correlationId: string; n: number }[]> {
  return queryStore(store, 'SELECT event_id AS "eventId", recipient_id AS "recipientId", MIN(kind) AS "kind", MIN(correlation_id) AS "correlationId", COUNT(*) AS "n" FROM notification GROUP BY event_id, recipient_id');
}

/** Effects against expectations: keys expected but missing (`lost`), rows beyond one per key (`duplicates`), keys nobody expected. */
export function tally(expected: Iterable<string>, found: { key: string; n: number }[]): { expected: number; lost: number; duplicates: number; unexpected: number } {
  const want = new Set(expected);
  const seen = new Map<string, number>();
  for (const { key, n } of found) seen.set(key, (seen.get(key) ?? 0) + Number(n));
  let lost = 0;
  for (const key of want) if (!seen.has(key)) lost += 1;
  let duplicates = 0;
  let unexpected = 0;
  for (const [key, n] of seen) {
    if (n > 1) duplicates += n - 1;
    if (!want.has(key)) unexpected += 1;
  }
  return { expected: want.size, lost, duplicates, unexpected };
}

/** A `TicketBooked` of booking `bookingId` wrapped as the booking context's relay publishes it. */
export function ticketBookedEnvelope(bookingId: string, customerId: string, organizerId: string, ticketTitle = 'Fault Line'): EventEnvelope<TicketBooked> {
  const event: DomainEvent<TicketBooked> = {
    type: 'TicketBooked', aggregateType: 'Booking', aggregateId: bookingId, aggregateVersion: 1,
    payload: { bookingId, ticketId: 'ticket-faults', ticketTitle, customerId, organizerId, quantity: 1, amount: 10_000, bookedAt: new Date().toISOString() },
  };
  return envelope(event as unknown as DomainEvent, 'booking', { correlationId: newId(), causationId: null }) as unknown as EventEnvelope<TicketBooked>;
}

/** XADDs many envelopes in one round trip, fields as the relay writes them (`type`, `envelope`). */
export async function xaddAllAsRelay(redis: Redis, stream: string, events: EventEnvelope<any>[]): Promise<void> {
  const pipeline = redis.pipeline();
  for (const event of events) pipeline.xadd(stream, '*', 'type', event.type, 'envelope', JSON.stringify(event));
  const results = await pipeline.exec();
  const failed = results?.find(([error]) => error);
  if (failed) throw failed[0];
}

/** Pending entries (delivered, not acknowledged) and lag (never delivered) of `group` on `stream`. */
export async function groupBacklog(redis: Redis, stream: string, group: string): Promise<{ pending: number; lag: number } | undefined> {
  const groups = (await redis.xinfo('GROUPS', stream)) as unknown[][];
  for (const fields of groups) {
    const info = new Map<string, unknown>();
    for (let i = 0; i < fields.length; i += 2) info.set(String(fields[i]), fields[i + 1]);
    if (info.get('name') === group) return { pending: Number(info.get('pending')), lag: info.get('lag') === null ? Number.NaN : Number(info.get('lag')) };
  }
  return undefined;
}

/** The envelopes of `type` on `stream` (XRANGE in pages, for long streams). */
export async function envelopesOf(redis: Redis, stream: string, type?: string): Promise<EventEnvelope<any>[]> {
  const out: EventEnvelope<any>[] = [];
  let start = '-';
  for (;;) {
    const page = await redis.xrange(stream, start, '+', 'COUNT', 2000);
    for (const [, fields] of page) {
      const event = JSON.parse(fields[fields.indexOf('envelope') + 1]) as EventEnvelope<any>;
      if (!type || event.type === type) out.push(event);
    }
    if (page.length < 2000) return out;
    start = `(${page[page.length - 1][0]}`;
  }
}

/** A redis-server of the suite's own, which a case may kill and bring back on the same port and data. */
export interface OwnRedis {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  pid(): number | undefined;
  /** SIGKILL (a crash: nothing flushed at exit); resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port and folder (the AOF brings back every acknowledged write). */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  dispose(): Promise<void>;
}

/**
 * redis-server on a free port with `--appendonly yes --appendfsync always`: every write Redis
 * acknowledged is on disk before the reply, so a SIGKILL loses nothing that a client saw succeed.
 */
export async function ownRedis(label: string): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `faults-redis-${label}-`));
  mkdirSync(dir, { recursive: true });
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--logfile', join(dir, 'redis.log')], { stdio: 'ignore' });
    const current = child;
    exited = new Promise((resolve) => current.once('exit', () => resolve()));
    await waitFor(`redis-server on port ${port}`, async () => {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        probe.disconnect();
      }
    }, 10_000, 50);
  };
  const kill = async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url,
    port,
    dir,
    pid: () => (child && child.exitCode === null && child.signalCode === null ? child.pid : undefined),
    kill,
    start,
    dispose: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * GraphQL operations the cases send through the router, and whose token each needs (`bearer`):
 * `register` the organizer's; `book` and `cancel` the customer's (no `customerId`: it is the
 * token's subject); `seats` none (public ticket search); `bookings` of a ticket its organizer's.
 */
export const OPS = {
  register: 'mutation($i: RegisterTicketInput!) { registerTicket(input: $i) { id } }',
  book: 'mutation($i: BookTicketInput!) { bookTicket(input: $i) { id status } }',
  cancel: 'mutation($id: ID!) { cancelBooking(id: $id) { id status } }',
  seats: 'query($id: ID!) { ticket(id: $id) { seatsLeft } }',
  bookings: 'query($t: ID!) { bookings(ticketId: $t) { id status } }',
};

/** Registers a ticket through the router as organizer `organizerId` (their token) and waits until booking knows it (seatsLeft answered). */
export async function registerTicket(url: string, title: string, seats: number, organizerId: string, price = 10_000): Promise<string> {
  const id = (await gqlData(url, OPS.register, { i: { title, venue: 'Fault Hall', price, seats } }, await bearer(organizerId, 'organizer'))).registerTicket.id as string;
  await waitFor(`${title} to be bookable`, async () => (await gqlData(url, OPS.seats, { id })).ticket.seatsLeft === seats, 5000);
  return id;
}

/** Every booking of ticket `ticketId`, as its organizer `organizerId` sees them (their token). */
export async function ticketBookings(url: string, ticketId: string, organizerId: string): Promise<{ id: string; status: string }[]> {
  return (await gqlData(url, OPS.bookings, { t: ticketId }, await bearer(organizerId, 'organizer'))).bookings;
}

/** How one bookTicket call ended as the client saw it. */
export interface Attempt {
  ok: boolean;
  bookingId?: string;
  /** `extensions.code` of the first error. */
  code?: string;
  /** The request itself failed (connection reset, refused, not JSON): never acceptable through the router. */
  transport?: string;
  ms: number;
}

/** One `bookTicket` through `url` as customer `customerId` (their token, signed before the clock starts), timed, never throwing. */
export async function bookOnce(url: string, ticketId: string, customerId: string): Promise<Attempt> {
  const headers = await bearer(customerId, 'customer');
  const started = performance.now();
  try {
    const result = await gql(url, OPS.book, { i: { ticketId, quantity: 1 } }, headers);
    const ms = performance.now() - started;
    if (result.errors?.length) return { ok: false, code: result.errors[0].extensions?.code ?? 'NO_CODE', ms };
    return { ok: true, bookingId: result.data.bookTicket.id, ms };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { ok: false, transport: cause?.code ?? cause?.message ?? String(error), ms: performance.now() - started };
  }
}

/** Counts of `values` by value, e.g. `{ PAYMENT_UNAVAILABLE: 3 }`, as one printable string. */
export function countBy(values: (string | undefined)[]): string {
  const counts = new Map<string, number>();
  for (const value of values) if (value !== undefined) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts.size === 0 ? 'none' : [...counts].map(([k, n]) => `${k}×${n}`).join(', ');
}


export { delay };
