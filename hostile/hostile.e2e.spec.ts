import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SUBGRAPHS } from '@supergraph/kernel';
import { ARTIFACTS_DIR, eventPipelineIdle, gqlData, PolyglotStack, pool, processAlive, queryStore as query, startPolyglotStack, StoreRef, tableNames, waitFor } from '@supergraph/testing';
import { Random } from './random';
import { generate, OPS, PlannedRequest, users, World } from './requests';
import { deltas, EventTrace, outboxEvents, processedEventIds, snapshot, streams } from './stores';
import { credentials } from './tokens';

/**
 * The hostile-input suite (issue "Edge security" part 6): the whole stack as real processes
 * (polyglot profile), then `HOSTILE_REQUESTS` (1000 in `npm test`; `npm run test:hostile`:
 * 10,000) generated requests through the router and straight at the subgraphs, from a seeded
 * generator (`HOSTILE_SEED`): malformed JSON, wrong types, huge strings, nasty numbers, deep
 * nesting, alias and query bombs, unknown fields, injection-looking strings, bad tokens and
 * claims, the wrong role or owner, GET mutations, CSRF-style simple requests, direct subgraph
 * calls with forged credentials, … with valid mutations of a known set mixed in (a
 * `HOSTILE_VALID_SHARE` of them: bookTicket, cancelBooking of an own booking, registerTicket).
 * Prints the count of each outcome (HTTP status × first error code) and asserts: no 5xx and no
 * `INTERNAL_SERVER_ERROR`, no failed connection or timeout, every direct subgraph call 401,
 * every process alive and ready, and every store changed only by the mutations that succeeded.
 * Rate limits are off for the run (the edge test covers them).
 */
const REQUESTS = Number(process.env.HOSTILE_REQUESTS ?? 1000);
const SEED = Number(process.env.HOSTILE_SEED ?? 20261121);
const VALID_SHARE = Number(process.env.HOSTILE_VALID_SHARE ?? 0.05);
const CONCURRENCY = 16;
const ROUND = 250;
const REQUEST_TIMEOUT_MS = 30_000;

jest.setTimeout(180_000 + REQUESTS * 60);

/** How one request ended as the client saw it. */
interface Outcome {
  request: PlannedRequest;
  correlationId?: string;
  status: number;
  /** `extensions.code` of every error (empty when none, or no GraphQL body). */
  codes: string[];
  /** `<status> <first code | data | no-graphql-body>`, or `transport <error>`. */
  key: string;
  /** The first error's message, or the start of a body that is not GraphQL. */
  message?: string;
  data?: Record<string, any> | null;
}

/** Sends one request; never throws (a failed connection or timeout is an outcome). */
async function send(request: PlannedRequest, correlationId: string): Promise<Outcome> {
  const headers = { ...request.headers };
  if (!request.direct && headers['x-correlation-id'] === undefined) headers['x-correlation-id'] = correlationId;
  try {
    const response = await fetch(request.url, { method: request.method, headers, body: request.body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await response.text();
    let parsed: { data?: Record<string, any> | null; errors?: { message?: string; extensions?: { code?: string } }[] } | undefined;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const codes = (Array.isArray(parsed?.errors) ? parsed!.errors : []).map((e) => e?.extensions?.code ?? 'NO_CODE');
    const first = codes[0] ?? (parsed && typeof parsed === 'object' && 'data' in parsed ? 'data' : 'no-graphql-body');
    const message = Array.isArray(parsed?.errors) ? parsed!.errors[0]?.message : parsed ? undefined : text.slice(0, 200);
    return { request, correlationId: headers['x-correlation-id'], status: response.status, codes, key: `${response.status} ${first}`, message, data: parsed?.data };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    return { request, correlationId, status: 0, codes: [], key: `transport ${cause}`, message: (error as Error).message };
  }
}

/** Counts of `keys` on one line (`injection 3, wrong-types 1`), or `none`. */
function countsOf(keys: string[]): string {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts.size === 0 ? 'none' : [...counts].map(([key, n]) => `${key} ${n}`).join(', ');
}

/** Counts of `keys`, most frequent first, as aligned lines. */
function table(title: string, keys: string[]): string {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  const rows = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const width = Math.max(...rows.map(([k]) => k.length), 10);
  return [`${title}`, ...rows.map(([k, n]) => `  ${k.padEnd(width)} ${String(n).padStart(6)}`)].join('\n');
}

describe(`hostile input: ${REQUESTS} generated requests (seed ${SEED})`, () => {
  let live: PolyglotStack;
  let world: World;
  let stores: Record<string, StoreRef>;
  const customers = Array.from({ length: 8 }, (_, i) => `c${i}`);
  const organizer = 'org-hostile';
  const otherOrganizer = 'org-other';

  beforeAll(async () => {
    live = await startPolyglotStack('hostile', { logPrefix: 'hostile', env: { RATE_LIMIT_PER_IP: '0', RATE_LIMIT_PER_SUBJECT: '0' } });
    stores = Object.fromEntries(['ticket', 'booking', 'payment', 'mypage', 'notification'].map((context) => [context, live.store(context)]));
    const creds = await credentials(users(customers, organizer, otherOrganizer));
    const ticketIds: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const input = { title: `Hostile Setup ${i}`, venue: 'Fuzz Hall', price: 10_000, seats: 100_000 };
      ticketIds.push((await gqlData(live.url, OPS.register, { i: input }, { authorization: creds.bearer(organizer, 'organizer') })).registerTicket.id);
    }
    for (const id of ticketIds) await waitFor(`ticket ${id} to be bookable`, async () => (await gqlData(live.url, OPS.ticket, { id })).ticket.seatsLeft > 0, 10_000);
    world = {
      routerUrl: live.url,
      subgraphUrls: Object.fromEntries(SUBGRAPHS.map((s) => [s.name, live.stack.url(s.name)])),
      credentials: creds,
      customers,
      organizer,
      otherOrganizer,
      ticketIds,
      openBookings: new Map(),
    };
  });

  afterAll(() => live?.stop());

  it('answers every request with a coded 4xx or data, keeps every process up, and changes the stores only through the mutations that succeeded', async () => {
    await settle(live, stores);
    const before = await snapshot(stores);
    const eventsBefore = await allEvents(live, stores);
    const processedBefore = new Set((await Promise.all(Object.values(stores).map(processedEventIds))).flat());
    const notifiedBefore = new Set(await notificationEventIds(stores.notification));

    const random = new Random(SEED);
    const outcomes: Outcome[] = [];
    const started = Date.now();
    for (let sent = 0; sent < REQUESTS; sent += ROUND) {
      const planned = Array.from({ length: Math.min(ROUND, REQUESTS - sent) }, () => generate(random, world, VALID_SHARE));
      const round = await pool(planned.length, CONCURRENCY, (i) => send(planned[i], `hostile-${sent + i}`));
      for (const outcome of round) {
        const booked = outcome.data?.bookTicket?.id;
        if (outcome.request.valid === 'book' && booked) world.openBookings.set(booked, outcome.request.subject!);
      }
      outcomes.push(...round);
    }
    const seconds = (Date.now() - started) / 1000;

    // What succeeded, from the answers: every mutation success counts, whichever request it was.
    const succeeded = (field: string) => outcomes.filter((o) => o.data?.[field] && !o.request.direct);
    const registered = succeeded('registerTicket');
    const booked = succeeded('bookTicket');
    const canceled = succeeded('cancelBooking').filter((o) => o.data!.cancelBooking.status === 'CANCELED');
    const deleted = succeeded('deleteTicket');
    const unavailable = outcomes.filter((o) => o.codes.includes('PAYMENT_UNAVAILABLE'));
    const effectful = new Set([...registered, ...booked, ...canceled, ...unavailable].map((o) => o.correlationId!));

    await settle(live, stores, (counts) => counts['mypage.my_booking'] - before['mypage.my_booking'] === booked.length);
    const after = await snapshot(stores);
    const changed = deltas(before, after);
    const eventsAfter = await allEvents(live, stores);
    const newEvents = eventsAfter.filter((e) => !eventsBefore.some((b) => b.eventId === e.eventId && b.where === e.where));
    const processedAfter = (await Promise.all(Object.values(stores).map(processedEventIds))).flat();
    const knownEventIds = new Set(eventsAfter.map((e) => e.eventId));

    const report = [
      `hostile input: ${outcomes.length} requests in ${seconds.toFixed(1)} s (seed ${SEED}, ${CONCURRENCY} concurrent, valid share ${VALID_SHARE})`,
      table('outcome (HTTP status × first error code):', outcomes.map((o) => o.key)),
      table('category → outcome:', outcomes.map((o) => `${o.request.category} → ${o.key}`)),
      `mutations that succeeded: registerTicket ${registered.length}, bookTicket ${booked.length}, cancelBooking ${canceled.length}, deleteTicket ${deleted.length}; PAYMENT_UNAVAILABLE ${unavailable.length}`,
      `  of them not from the valid set (legitimate requests the generator happened to make, e.g. organizerId null): ${countsOf([...registered, ...booked, ...canceled].filter((o) => !o.request.valid).map((o) => o.request.category))}`,
      `store rows changed: ${Object.entries(changed).filter(([, n]) => n !== 0).map(([t, n]) => `${t} ${n > 0 ? '+' : ''}${n}`).join(', ') || 'none'}`,
      `events since the start: ${new Set(newEvents.map((e) => e.eventId)).size} (${[...new Set(newEvents.map((e) => e.type))].join(', ')})`,
    ].join('\n');
    process.stdout.write(`${report}\n`);
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    appendFileSync(join(ARTIFACTS_DIR, 'hostile-outcomes.txt'), `\n[${new Date().toISOString()}]\n${report}\n`);
    // Every request and how it ended, one JSON line each, to reproduce a finding.
    const lines = outcomes.map((o) => JSON.stringify({ correlationId: o.correlationId, category: o.request.category, method: o.request.method, url: o.request.url, headers: o.request.headers, body: o.request.body?.slice(0, 2000), outcome: o.key, codes: o.codes, message: o.message }));
    writeFileSync(join(ARTIFACTS_DIR, `hostile-requests-${SEED}-${REQUESTS}.jsonl`), `${lines.join('\n')}\n`);

    // 1. Every answer a coded client error or data: no 5xx, no INTERNAL_SERVER_ERROR, no dropped connection.
    expect(outcomes.filter((o) => o.status >= 500 || o.status === 0).map((o) => `${o.request.category} ${o.key} ${o.request.body?.slice(0, 200)}`)).toEqual([]);
    expect(outcomes.filter((o) => o.codes.includes('INTERNAL_SERVER_ERROR') || o.codes.includes('NO_CODE')).map((o) => `${o.request.category} ${o.key} ${o.request.body?.slice(0, 200)}`)).toEqual([]);
    // 2. Nobody reads what is not theirs: a customer sees only their own customerId/recipientId,
    //    the other organizer, anonymous clients and refused tokens none at all (the organizer owns every ticket, admin may see all).
    expect(outcomes.filter((o) => !o.request.direct && o.data).flatMap((o) => leaksOf(o, world))).toEqual([]);
    // 3. A subgraph port answers nothing to anyone but the router and the contexts.
    expect(new Set(outcomes.filter((o) => o.request.direct).map((o) => o.key))).toEqual(new Set(['401 UNAUTHENTICATED']));
    // 4. The valid mutations worked (the run is not vacuous), and nothing deleted a ticket.
    const valid = outcomes.filter((o) => o.request.valid);
    expect(valid.filter((o) => o.key !== '200 data' && !o.codes.includes('PAYMENT_UNAVAILABLE')).map((o) => `${o.request.category} ${o.key}`)).toEqual([]);
    expect(booked.length).toBeGreaterThan(0);
    expect(deleted).toEqual([]);
    // 5. Every process alive and ready.
    for (const service of live.stack.services) {
      const pid = live.stack.pid(service);
      expect([service, pid !== undefined && processAlive(pid)]).toEqual([service, true]);
      expect([service, (await fetch(live.stack.healthUrl(service), { signal: AbortSignal.timeout(5000) })).status]).toEqual([service, 200]);
    }
    // 6. The stores changed only by the mutations that succeeded.
    const expected: Record<string, number> = {
      'ticket.ticket': registered.length,
      'booking.ticket_inventory': registered.length,
      'booking.booking': booked.length,
      'booking.seat_hold': 0,
      'mypage.my_booking': booked.length,
    };
    for (const [name, n] of Object.entries(expected)) expect([name, changed[name]]).toEqual([name, n]);
    expect(changed['payment.payment']).toBeGreaterThanOrEqual(booked.length);
    expect(changed['payment.payment']).toBeLessThanOrEqual(booked.length + unavailable.length);
    expect(changed['booking.abandoned_booking'] ?? 0).toBeLessThanOrEqual(unavailable.length);
    // Every event since the start comes from a request whose mutation succeeded; every event a
    // consumer processed is one of those; no dead letter; every notification is about one of them.
    expect(newEvents.filter((e) => !effectful.has(e.correlationId)).map((e) => `${e.where} ${e.type} ${e.correlationId}`)).toEqual([]);
    expect(processedAfter.filter((id) => !processedBefore.has(id) && !knownEventIds.has(id))).toEqual([]);
    expect(eventsAfter.filter((e) => e.where.endsWith('.dlq'))).toEqual([]);
    const notified = (await notificationEventIds(stores.notification)).filter((id) => !notifiedBefore.has(id));
    expect(notified.filter((id) => !knownEventIds.has(id))).toEqual([]);
  });
});

/** Values of `customerId` and `recipientId` anywhere in `data`. */
function ownersIn(data: unknown, found: string[] = []): string[] {
  if (Array.isArray(data)) for (const item of data) ownersIn(item, found);
  else if (data && typeof data === 'object') {
    for (const [key, value] of Object.entries(data)) {
      if ((key === 'customerId' || key === 'recipientId') && typeof value === 'string') found.push(value);
      else ownersIn(value, found);
    }
  }
  return found;
}

/** What an answer showed its sender that was someone else's: `<category> <sender> saw <owner>` lines. */
function leaksOf(outcome: Outcome, world: World): string[] {
  const sender = world.credentials.identityOf(outcome.request.headers.authorization);
  if (sender?.role === 'admin' || (sender?.role === 'organizer' && sender.subject === world.organizer)) return [];
  return ownersIn(outcome.data)
    .filter((owner) => !(sender?.role === 'customer' && owner === sender.subject))
    .map((owner) => `${outcome.request.category} ${sender ? `${sender.role} ${sender.subject}` : 'anonymous'} saw ${owner}: ${outcome.request.body?.slice(0, 200)}`);
}

/** Outbox events of every store and events on every stream of the stack's namespace. */
async function allEvents(live: PolyglotStack, stores: Record<string, StoreRef>): Promise<EventTrace[]> {
  const outboxes = await Promise.all(Object.entries(stores).map(async ([context, store]) => ((await hasOutbox(store)) ? outboxEvents(context, store) : [])));
  return [...outboxes.flat(), ...Object.values(await streams(live.redisUrl, live.namespace)).flat()];
}

async function hasOutbox(store: StoreRef): Promise<boolean> {
  return (await tableNames(store.kind, store.url)).includes('outbox_message');
}

/** The ids of the events the stored notifications are about. */
async function notificationEventIds(store: StoreRef): Promise<string[]> {
  return (await query<{ event_id: string }>(store, 'SELECT DISTINCT event_id FROM notification')).map((r) => r.event_id);
}

/**
 * Waits until the asynchronous views have caught up: every context's event pipeline is idle
 * (`eventPipelineIdle`: outbox published, every consumer group read and acknowledged everything)
 * and `done` holds for the stores' row counts, at most 60 s.
 */
async function settle(live: PolyglotStack, stores: Record<string, StoreRef>, done: (counts: Record<string, number>) => boolean = () => true): Promise<void> {
  const metricsUrls = SUBGRAPHS.map((service) => live.stack.metricsUrl(service.name));
  await waitFor(
    'every event to reach every view',
    async () => (await Promise.all(metricsUrls.map(eventPipelineIdle))).every(Boolean) && done(await snapshot(stores)),
    60_000,
  );
}
