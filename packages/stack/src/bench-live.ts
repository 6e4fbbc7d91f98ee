#!/usr/bin/env node
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { Role, signUserToken } from '@supergraph/kernel';
import { RouterClient } from './demo';
import { StackHandle, startStack } from './launcher';
import { memorySink } from './log-lines';
import { metricSample } from './metrics-text';
import { percentile } from './stats';

/**
 * Benchmark (run on demand: `npm run bench:live`; not a test): latency from a booking's commit
 * to the push reaching a subscribed client through the router, at a fixed arrival rate of
 * bookings (open loop: a booking is sent every 1/rate s whether or not earlier ones answered).
 *
 * The commit instant is taken as the moment the client has the `bookTicket` response (the
 * command committed before answering, so this slightly under-states the latency). Two pushes
 * per booking are timed: `notificationAdded` (TicketBooked to the customer: booking's outbox →
 * Redis → notification consumer → its outbox → Redis → live feed → store → router) and
 * `myPageUpdated` (same path through the mypage view, plus the router's `rest` fetches of
 * booking, ticket and payment fields). Prints p50/p99 per rate and the ratio of the second
 * rate's figures to the first's, measured in one run on one machine.
 *
 * Every request carries a bearer token the script signs (`signUserToken`, HS256 with the stack's
 * `JWT_SECRET` or the development key): the organizer's registers the ticket; each subscribed
 * customer has a token of their own, sent with their bookings and, on a WebSocket connection of
 * their own, in `connection_init` (`{ authorization: 'Bearer <token>' }`) for their two
 * subscriptions; no identity argument is passed (they default to the token's subject).
 *
 * Environment: `BENCH_RATES` (bookings/s, default `50,200`), `BENCH_SECONDS` per rate (10),
 * `BENCH_CUSTOMERS` (subscribed customers, 50); the stack is started by the script on free ports
 * with the environment's `STORES`/`*_DB_URL` (SQLite files in a temporary folder by default) and
 * the router's rate limits off (`RATE_LIMIT_PER_IP=0`, `RATE_LIMIT_PER_SUBJECT=0`): every booking
 * comes from this one address, far more than the default 1,200 per minute.
 */
async function main(): Promise<void> {
  const rates = (process.env.BENCH_RATES ?? '50,200').split(',').map(Number);
  const seconds = Number(process.env.BENCH_SECONDS ?? 10);
  const customers = Number(process.env.BENCH_CUSTOMERS ?? 50);
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-live-'));
  const logs = memorySink();
  const stack = await startStack({
    env: { DATA_DIR: dataDir, EVENTS_NAMESPACE: `bench-live-${process.pid}:`, LOG_LEVEL: 'warn', RATE_LIMIT_PER_IP: '0', RATE_LIMIT_PER_SUBJECT: '0' },
    freePorts: true,
    restart: false,
    log: logs.sink,
  });
  try {
    const router = new RouterClient(stack.routerUrl);
    const results: Awaited<ReturnType<typeof measure>>[] = [];
    for (const [round, rate] of rates.entries()) {
      results.push(await measure(router, stack, rate, seconds, customers, `r${round}`));
    }
    printReport(results, seconds);
  } finally {
    await stack.stopAll();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A bearer token of `subject` with `role`, signed with the stack's `JWT_SECRET` (unset: the development key, as the router's default). */
function tokenOf(stack: StackHandle, subject: string, role: Role): Promise<string> {
  return signUserToken({ subject, role, secret: stack.env.JWT_SECRET || undefined });
}

/** Why a subscription ended with an error: the GraphQL errors, or how its socket closed (4401: token refused). */
function subscriptionProblem(error: unknown): string {
  if (Array.isArray(error)) return error.map((e: { message?: string }) => e.message).join('; ');
  const closed = error as { code?: number; reason?: string };
  return closed.code !== undefined ? `socket closed ${closed.code} ${closed.reason ?? ''}`.trim() : String(error);
}

/**
 * One rate: subscribe `customers` customers (each on a WebSocket of their own, with their own
 * token), book at `rate`/s for `seconds` (each booking with its customer's token), collect push
 * latencies (ms).
 */
async function measure(router: RouterClient, stack: StackHandle, rate: number, seconds: number, customers: number, tag: string) {
  const url = stack.routerUrl;
  const total = Math.round(rate * seconds);
  const organizer = router.withToken(await tokenOf(stack, `bench-organizer-${tag}`, 'organizer'));
  const ticket = await organizer.data<{ registerTicket: { id: string } }>(
    'registerTicket',
    'mutation($i: RegisterTicketInput!) { registerTicket(input: $i) { id } }',
    { i: { title: `Bench ${tag}`, venue: 'Bench Hall', price: 1000, seats: 100_000 } },
  );
  const ticketId = ticket.registerTicket.id;
  for (let attempt = 0; ; attempt += 1) {
    const probe = await router.send<{ ticket: { seatsLeft: number } | null }>('query($id: ID!) { ticket(id: $id) { seatsLeft } }', { id: ticketId });
    if (probe.data?.ticket?.seatsLeft === 100_000) break;
    if (attempt > 100) throw new Error('the bench ticket never became bookable');
    await delay(20);
  }

  /** booking id → when its bookTicket response arrived (ms, performance.now()). */
  const committedAt = new Map<string, number>();
  /** Pushes that arrived before their booking's response: booking id → arrival. */
  const early = { notification: new Map<string, number>(), myPage: new Map<string, number>() };
  const latencies = { notification: [] as number[], myPage: [] as number[] };
  /** Only the first push of each kind per booking is timed (my page is pushed again when the payment lands). */
  const timed = { notification: new Set<string>(), myPage: new Set<string>() };
  const record = (kind: 'notification' | 'myPage', bookingId: string) => {
    if (timed[kind].has(bookingId)) return;
    timed[kind].add(bookingId);
    const now = performance.now();
    const committed = committedAt.get(bookingId);
    if (committed === undefined) early[kind].set(bookingId, now);
    else latencies[kind].push(now - committed);
  };

  /** The subscribed customers: each with their own token, router client and WebSocket connection. */
  const people = await Promise.all(
    Array.from({ length: customers }, async (_, i) => {
      const token = await tokenOf(stack, `bench-${tag}-${i}`, 'customer');
      const socket = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${token}` } });
      return { router: router.withToken(token), socket };
    }),
  );
  /** Subscriptions that ended with an error (a refused token closes the socket with 4401): the bench stops on the first while they open. */
  const refused: string[] = [];
  const error = (problem: unknown) => void refused.push(subscriptionProblem(problem));
  const disposers = people.flatMap(({ socket }) => [
    socket.subscribe<{ notificationAdded: { kind: string; correlationId: string } }>(
      { query: 'subscription { notificationAdded(after: "0") { kind correlationId } }' },
      { next: ({ data }) => data?.notificationAdded.kind === 'TicketBooked' && record('notification', data.notificationAdded.correlationId), error, complete: () => undefined },
    ),
    socket.subscribe<{ myPageUpdated: { bookingId: string; booking: { ticket: { seatsLeft: number } } } }>(
      { query: 'subscription { myPageUpdated { bookingId booking { status ticket { seatsLeft } payment { status } } } }' },
      { next: ({ data }) => data && record('myPage', data.myPageUpdated.bookingId), error, complete: () => undefined },
    ),
  ]);
  await subscriptionsOpen(stack, customers, refused);

  let failed = 0;
  const failures = new Map<string, number>();
  const fail = (code: string) => {
    failed += 1;
    failures.set(code, (failures.get(code) ?? 0) + 1);
  };
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i += 1) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await delay(wait);
    inFlight.push(
      people[i % customers].router.send<{ bookTicket: { id: string } }>('mutation($i: BookTicketInput!) { bookTicket(input: $i) { id } }', { i: { ticketId, quantity: 1 } }).then(
        (response) => {
          const id = response.data?.bookTicket.id;
          if (!id) return fail(response.errors?.[0]?.extensions?.code ?? 'NO_DATA');
          const now = performance.now();
          committedAt.set(id, now);
          for (const kind of ['notification', 'myPage'] as const) {
            const arrived = early[kind].get(id);
            if (arrived !== undefined) latencies[kind].push(arrived - now);
          }
        },
        () => fail('TRANSPORT'),
      ),
    );
  }
  await Promise.all(inFlight);
  const achieved = (total - failed) / ((performance.now() - started) / 1000);
  const deadline = performance.now() + 10_000;
  while ((latencies.notification.length < total - failed || latencies.myPage.length < total - failed) && performance.now() < deadline) await delay(50);
  for (const dispose of disposers) dispose();
  await Promise.all(people.map(({ socket }) => socket.dispose()));
  return { rate, achieved, failed, failures, notification: latencies.notification, myPage: latencies.myPage };
}

/**
 * Waits until every subscription reached its subgraph before the clock starts: the notification
 * and mypage live feeds each have a listener per customer (`supergraph_live_subscriptions{kind="feed"}`
 * on their `/metrics`). Fails after 30 s, or as soon as a subscription ended with an error
 * (`refused`, filled by the subscriptions' error handlers).
 */
async function subscriptionsOpen(stack: StackHandle, customers: number, refused: readonly string[]): Promise<void> {
  const listeners = async (service: string) => {
    const text = await (await fetch(stack.metricsUrl(service))).text();
    return metricSample(text, 'supergraph_live_subscriptions', { kind: 'feed' }) ?? 0;
  };
  const deadline = performance.now() + 30_000;
  while ((await listeners('notification')) < customers || (await listeners('mypage')) < customers) {
    if (refused.length > 0) throw new Error(`${refused.length} bench subscription(s) ended with an error, the first: ${refused[0]}`);
    if (performance.now() > deadline) throw new Error('the bench subscriptions did not all reach their subgraphs within 30 s');
    await delay(20);
  }
}

function printReport(results: Awaited<ReturnType<typeof measure>>[], seconds: number): void {
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  console.log(`\nPush latency, booking committed → client has the push (through the router), ${seconds} s per rate\n`);
  console.log('rate (bookings/s) | achieved | failed | pushes (notif/mypage) | notification p50 | p99 | myPageUpdated p50 | p99');
  for (const r of results) {
    console.log(
      [
        String(r.rate).padStart(17),
        r.achieved.toFixed(1).padStart(8),
        String(r.failed).padStart(6),
        `${r.notification.length}/${r.myPage.length}`.padStart(21),
        ms(percentile(r.notification, 50)).padStart(16),
        ms(percentile(r.notification, 99)).padStart(9),
        ms(percentile(r.myPage, 50)).padStart(17),
        ms(percentile(r.myPage, 99)).padStart(9),
      ].join(' | '),
    );
  }
  for (const r of results) {
    if (r.failed > 0) console.log(`${r.rate}/s: failed bookings by code: ${[...r.failures].map(([code, n]) => `${code} ${n}`).join(', ')}`);
  }
  const [base, ...others] = results;
  for (const r of others) {
    const ratio = (a: number[], b: number[], p: number) => (percentile(a, p) / percentile(b, p)).toFixed(2);
    console.log(
      `\n${r.rate}/s vs ${base.rate}/s: notification p50 ×${ratio(r.notification, base.notification, 50)}, p99 ×${ratio(r.notification, base.notification, 99)}; ` +
        `myPageUpdated p50 ×${ratio(r.myPage, base.myPage, 50)}, p99 ×${ratio(r.myPage, base.myPage, 99)}`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
