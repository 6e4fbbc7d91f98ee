#!/usr/bin/env node
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { CALLER_HEADER, DEV_ROUTER_CREDENTIAL_SECRET, Identity, InternalCredentials, REPO_ROOT } from '@supergraph/kernel';
import { memorySink, percentile, startStack, StackHandle } from '@supergraph/stack';
import { createClient } from 'graphql-ws';
import { Agent, request } from 'undici';
import WebSocket from 'ws';
import { machine, writeDocsSection } from './report';
import { metricSum, pool, waitFor } from '@supergraph/testing';
import { seed } from './seed';

/** What `npm run bench:events` measures; flags/env in brackets. */
interface EventsOptions {
  /** Offered booking rates, bookings/s [50,200] (`BENCH_RATES`). */
  rates: number[];
  /** Seconds per rate [10] (`BENCH_SECONDS`). */
  seconds: number;
  /** Customers booking and subscribed [50] (`BENCH_CUSTOMERS`). */
  customers: number;
  /** Bookings made while mypage is stopped, then drained at saturation [2000] (`BENCH_BACKLOG`). */
  backlog: number;
}

/**
 * The event pipeline's figures (run on demand: `npm run bench:events`; not a test), on the stack
 * as `npm start` runs it (embedded stores, Redis), started on free ports:
 * 1. latency from a booking's commit to the mypage view having it, at fixed offered rates (open
 *    loop: `bookTicket` on the booking subgraph every 1/rate s whether or not earlier ones
 *    answered): the commit instant is the booking's `bookedAt` (stamped by the booking context
 *    in the transaction that commits it, on this machine's clock, so a queued response does not
 *    hide latency as it would if the response's arrival were taken), the view-updated instant
 *    when mypage's `myPageUpdated` push for that booking arrives on a WebSocket straight to the
 *    mypage subgraph (it pushes after the view row committed; no router in the path, unlike
 *    `npm run bench:live`). Reports the achieved rate: the booking command itself saturates
 *    (sync payment call, SQLite) well below 200/s on small machines.
 * 2. throughput at saturation: mypage is stopped, `backlog` bookings are made (their events wait
 *    in the streams), mypage is started, and its consumer's drain is timed (events handled per
 *    second, stream → consumer → view, until its lag and pending are 0); and the outbox relays'
 *    publish rate (every service but the stopped mypage, events/s) while bookings are made as
 *    fast as they commit.
 */
async function main(): Promise<void> {
  const options: EventsOptions = {
    rates: (process.env.BENCH_RATES ?? '50,200').split(',').map(Number),
    seconds: Number(process.env.BENCH_SECONDS ?? 10),
    customers: Number(process.env.BENCH_CUSTOMERS ?? 50),
    backlog: Number(process.env.BENCH_BACKLOG ?? 2000),
  };
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-events-'));
  const stack = await startStack({
    env: { DATA_DIR: dataDir, EVENTS_NAMESPACE: `bench-events-${process.pid}:`, LOG_LEVEL: 'warn', RATE_LIMIT_PER_SUBJECT: '0', RATE_LIMIT_PER_IP: '0' },
    freePorts: true,
    restart: false,
    log: memorySink().sink,
  });
  try {
    const credentials = new InternalCredentials({ routerSecret: stack.env.ROUTER_CREDENTIAL_SECRET || DEV_ROUTER_CREDENTIAL_SECRET });
    console.log('registering the bench tickets');
    const { ticketIds } = await seed({ tickets: options.rates.length + 1, bookings: 0, customers: 1, url: stack.url, metricsUrl: stack.metricsUrl, routerSecret: stack.env.ROUTER_CREDENTIAL_SECRET, log: console.log, seats: 100_000 });
    const book = bookingCall(stack, credentials);

    const latency: LatencyResult[] = [];
    for (const [i, rate] of options.rates.entries()) {
      console.log(`offered ${rate} bookings/s for ${options.seconds} s`);
      latency.push(await measureLatency(stack, credentials, book, ticketIds[i], rate, options));
    }

    console.log(`saturation: ${options.backlog} bookings while mypage is stopped, then its drain`);
    const saturation = await measureSaturation(stack, book, ticketIds[options.rates.length], options.backlog);

    const report = { startedAt: new Date().toISOString(), machine: machine(), options, latency, saturation };
    const text = markdown(report);
    console.log(`\n${text}\n`);
    const dir = join(REPO_ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `events-${report.startedAt.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`results: ${file}`);
    writeDocsSection('events', `${text}\n\nRaw figures: \`bench/results/${file.split('/').pop()}\`.`);
    console.log('docs/BENCHMARKS.md: event pipeline section rewritten');
  } finally {
    await stack.stopAll();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

type Book = (customer: string, ticketId: string) => Promise<{ id: string; bookedAt: string } | { code: string }>;

/**
 * Connections the load generator keeps to booking, as a router's keep-alive pool would. Requests
 * beyond them wait in the client, so an offered rate above what booking commits queues in front of
 * it; unbounded (one connection per request, as plain `fetch` opens them) the listen backlog
 * overflowed at 200/s and hundreds of bookings failed with `UND_ERR_CONNECT_TIMEOUT`, measuring
 * the TCP stack rather than the pipeline.
 */
const BOOKING_CONNECTIONS = 64;

/**
 * `bookTicket` on the booking subgraph as `customer` (router credential), over a pool of
 * `BOOKING_CONNECTIONS` keep-alive connections (undici): the booking's id and `bookedAt`, or the
 * first error's code when refused.
 */
function bookingCall(stack: StackHandle, credentials: InternalCredentials): Book {
  const dispatcher = new Agent({ connections: BOOKING_CONNECTIONS });
  return async (customer, ticketId) => {
    const response = await request(stack.url('booking'), {
      dispatcher,
      method: 'POST',
      headers: { 'content-type': 'application/json', [CALLER_HEADER]: await credentials.forRouter({ subject: customer, role: 'customer' }) },
      body: JSON.stringify({ query: 'mutation($i: BookTicketInput!) { bookTicket(input: $i) { id bookedAt } }', variables: { i: { ticketId, quantity: 1 } } }),
    });
    const body = (await response.body.json()) as { data?: { bookTicket?: { id: string; bookedAt: string } }; errors?: { extensions?: { code?: string } }[] };
    return body.data?.bookTicket ?? { code: body.errors?.[0]?.extensions?.code ?? `HTTP_${response.statusCode}` };
  };
}

interface LatencyResult {
  offered: number;
  achieved: number;
  booked: number;
  failed: number;
  pushes: number;
  /** Refused bookings by error code (`TRANSPORT <undici code>`: no answer). */
  failures: Record<string, number>;
  p50: number;
  p99: number;
}

async function measureLatency(stack: StackHandle, credentials: InternalCredentials, book: Book, ticketId: string, rate: number, options: EventsOptions): Promise<LatencyResult> {
  const admin: Identity = { subject: 'bench-admin', role: 'admin' };
  const customers = Array.from({ length: options.customers }, (_, i) => `bench-events-${rate}-${i}`);
  const committedAt = new Map<string, number>();
  const early = new Map<string, number>();
  const latencies: number[] = [];
  const client = createClient({ url: stack.url('mypage').replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { [CALLER_HEADER]: await credentials.forRouter(admin) } });
  const seen = new Set<string>();
  const disposers = customers.map((customerId) =>
    client.subscribe<{ myPageUpdated: { bookingId: string } }>(
      { query: 'subscription($c: ID) { myPageUpdated(customerId: $c) { bookingId } }', variables: { c: customerId } },
      {
        next: ({ data }) => {
          const id = data?.myPageUpdated.bookingId;
          if (!id || seen.has(id)) return;
          seen.add(id);
          const committed = committedAt.get(id);
          if (committed === undefined) early.set(id, Date.now());
          else latencies.push(Date.now() - committed);
        },
        error: () => undefined,
        complete: () => undefined,
      },
    ),
  );
  const feedListeners = async () => metricSum(await (await fetch(stack.metricsUrl('mypage'))).text(), 'supergraph_live_subscriptions');
  await waitFor('every myPageUpdated subscription to reach mypage', async () => (await feedListeners()) >= customers.length, 30_000, 20);

  const total = Math.round(rate * options.seconds);
  let failed = 0;
  const failures: Record<string, number> = {};
  const fail = (code: string) => {
    failed += 1;
    failures[code] = (failures[code] ?? 0) + 1;
  };
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i += 1) {
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 0) await delay(wait);
    inFlight.push(
      book(customers[i % customers.length], ticketId).then(
        (answer) => {
          if (!('id' in answer)) return fail(answer.code);
          const { id } = answer;
          const committed = Date.parse(answer.bookedAt);
          committedAt.set(id, committed);
          const arrived = early.get(id);
          if (arrived !== undefined) latencies.push(arrived - committed);
        },
        (error: Error & { code?: string; cause?: { code?: string } }) => fail(`TRANSPORT ${error.code ?? error.cause?.code ?? error.message}`),
      ),
    );
  }
  await Promise.all(inFlight);
  const booked = total - failed;
  const achieved = booked / ((performance.now() - started) / 1000);
  const until = performance.now() + 30_000;
  while (latencies.length < booked && performance.now() < until) await delay(50);
  for (const dispose of disposers) dispose();
  await client.dispose();
  const at = (p: number) => percentile(latencies, p);
  return { offered: rate, achieved, booked, failed, failures, pushes: latencies.length, p50: at(50), p99: at(99) };
}

interface SaturationResult {
  bookingsPerSecond: number;
  publishedPerSecond: number;
  backlogEvents: number;
  drainSeconds: number;
  drainEventsPerSecond: number;
}

async function measureSaturation(stack: StackHandle, book: Book, ticketId: string, backlog: number): Promise<SaturationResult> {
  const published = async () => {
    let sum = 0;
    for (const service of stack.services.filter((s) => s !== 'router' && s !== 'mypage')) sum += metricSum(await (await fetch(stack.metricsUrl(service))).text(), 'supergraph_events_published_total');
    return sum;
  };
  await stack.stop('mypage');
  const publishedBefore = await published();
  const started = performance.now();
  let made = 0;
  await pool(backlog, 32, async (i) => {
    if ('id' in (await book(`bench-saturation-${i % 100}`, ticketId))) made += 1;
  });
  const bookingSeconds = (performance.now() - started) / 1000;
  const publishedDelta = (await published()) - publishedBefore;

  await stack.start('mypage');
  const drainStarted = performance.now();
  const handled = await waitFor('mypage to drain its backlog', async () => {
    const text = await (await fetch(stack.metricsUrl('mypage'))).text();
    const count = metricSum(text, 'supergraph_events_handled_total');
    return count > 0 && metricSum(text, 'supergraph_consumer_lag') === 0 && metricSum(text, 'supergraph_consumer_pending') === 0 ? count : undefined;
  }, 300_000, 50);
  const drainSeconds = (performance.now() - drainStarted) / 1000;
  return { bookingsPerSecond: made / bookingSeconds, publishedPerSecond: publishedDelta / bookingSeconds, backlogEvents: handled, drainSeconds, drainEventsPerSecond: handled / drainSeconds };
}

/** The figures as Markdown: the latency table per offered rate, then the saturation line. */
function markdown(report: { startedAt: string; machine: ReturnType<typeof machine>; options: EventsOptions; latency: LatencyResult[]; saturation: SaturationResult }): string {
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  const m = report.machine;
  const s = report.saturation;
  return [
    `Run of ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC: ${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node}; ${report.options.seconds} s per rate, ${report.options.customers} customers.`,
    '',
    'Booking committed (its `bookedAt`, stamped in the committing transaction) → mypage view updated (its `myPageUpdated` push, straight from the mypage subgraph), open loop:',
    '',
    '| offered bookings/s | achieved | booked | failed (by code) | pushes timed | p50 | p99 |',
    '|---:|---:|---:|---|---:|---:|---:|',
    ...report.latency.map(
      (r) =>
        `| ${r.offered} | ${r.achieved.toFixed(1)} | ${r.booked} | ${r.failed}${r.failed ? ` (${Object.entries(r.failures).map(([code, n]) => `${code} ${n}`).join(', ')})` : ''} | ${r.pushes} | ${ms(r.p50)} | ${ms(r.p99)} |`,
    ),
    '',
    `Saturation: with mypage stopped, bookings made as fast as they commit (32 in flight) ran at ${s.bookingsPerSecond.toFixed(1)}/s and the outbox relays ` +
      `published ${s.publishedPerSecond.toFixed(0)} events/s into the streams; mypage, started again, drained its backlog of ${s.backlogEvents} events in ` +
      `${s.drainSeconds.toFixed(1)} s: **${s.drainEventsPerSecond.toFixed(0)} events/s** stream → consumer → view.`,
  ].join('\n');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
