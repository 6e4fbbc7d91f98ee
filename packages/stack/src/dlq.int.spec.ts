import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { MikroORM } from '@mikro-orm/core';
import type { Redis } from 'ioredis';
import { createLogger, createRedis, deadLetterStream, envelope, EventEnvelope, EventHandler, eventStream, newId, openStore, ProcessedEvent, REPO_ROOT, StreamConsumer, UnitOfWork } from '@supergraph/kernel';
import { freshStore, FreshStore, redisNamespace, REDIS_URL, waitFor, xaddAsRelay } from '@supergraph/testing';
import { connectRedis, dropDeadLetters, listDeadLetters, main, replayDeadLetters } from './dlq';

const DLQ_CLI = join(REPO_ROOT, 'packages', 'stack', 'dist', 'dlq.js');
const silent = createLogger('dlq-test', 'silent');
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** An event as context `producer` would publish it. */
const published = (type: string, producer = 'booking'): EventEnvelope =>
  envelope({ type, aggregateType: 'Thing', aggregateId: newId(), aggregateVersion: 1, payload: { thingId: newId() } }, producer, { correlationId: newId(), causationId: null });

/** Runs `main` in-process with `EVENTS_NAMESPACE` set; resolves with its status and output lines. */
async function runMain(namespace: string, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(argv, { REDIS_URL, EVENTS_NAMESPACE: namespace }, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { status, out, err };
}

/** Needs Redis at REDIS_URL; the CLI-process test needs the built `packages/stack/dist/` (`npm test` builds first). */
describe('npm run dlq', () => {
  const ns = redisNamespace();
  const booking = eventStream(ns.namespace, 'booking');
  const payment = eventStream(ns.namespace, 'payment');
  const ticket = eventStream(ns.namespace, 'ticket');
  let store: FreshStore;
  let orm: MikroORM;
  let kernelRedis: Redis;
  let redis: Redis;
  const consumers: StreamConsumer[] = [];

  beforeAll(async () => {
    store = await freshStore('sqlite', 'dlq');
    orm = await openStore({ context: 'dlq', url: store.url, entities: [] });
    kernelRedis = createRedis(REDIS_URL, { logger: silent });
    await waitFor('redis connection ready', () => kernelRedis.status === 'ready');
    redis = await connectRedis(REDIS_URL);
  });
  afterAll(async () => {
    await Promise.all(consumers.map((consumer) => consumer.stop()));
    redis?.disconnect();
    kernelRedis?.disconnect();
    await orm?.close(true);
    await ns.clear();
    await store?.drop();
  });

  /** A consumer group on booking's stream, dead-lettering after 2 deliveries. */
  function consume(group: string, handler: EventHandler): StreamConsumer {
    const consumer = new StreamConsumer(orm, kernelRedis, new UnitOfWork(group, eventStream(ns.namespace, group)), silent, {
      group, subscriptions: { [booking]: { BookingConfirmed: handler } }, maxDeliveries: 2, retryDelayMs: 20, blockMs: 100,
    });
    consumers.push(consumer);
    consumer.start();
    return consumer;
  }

  /** Both groups have read up to `id` and acknowledged everything. */
  const caughtUp = async (groups: string[], id: string) => {
    const info = (await kernelRedis.xinfo('GROUPS', booking)) as unknown[][];
    const byName = new Map(info.map((flat) => {
      const fields = Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]));
      return [fields.name as string, fields];
    }));
    return groups.every((group) => byName.get(group)?.['last-delivered-id'] === id && byName.get(group)?.pending === 0);
  };

  it('lists a dead letter, replays it once, and only the group that dead-lettered it applies it (the other drops it by event id)', async () => {
    const applied: Record<string, string[]> = { mypage: [], notification: [] };
    let notificationFixed = false;
    consume('mypage', async (event) => void applied.mypage.push(event.id));
    consume('notification', async (event) => {
      if (!notificationFixed) throw new Error(`template missing for ${event.type}\nat line 3`);
      applied.notification.push(event.id);
    });
    const event = published('BookingConfirmed');
    const entry = await xaddAsRelay(kernelRedis, booking, event);
    const [[dlqId]] = await waitFor('the dead letter', async () => {
      const entries = await kernelRedis.xrange(deadLetterStream(booking), '-', '+');
      return entries.length > 0 && entries;
    });
    await waitFor('both groups done with the entry', () => caughtUp(['mypage', 'notification'], entry));
    expect(applied).toEqual({ mypage: [event.id], notification: [] });

    // list: the exported function, then the command's text and JSON lines.
    const [page, ...others] = await listDeadLetters(redis, ns.namespace, { limit: 50 });
    expect(others).toEqual([]);
    expect(page).toMatchObject({ dlq: `${booking}.dlq`, total: 1 });
    expect(page.letters).toEqual([{
      id: dlqId, dlq: `${booking}.dlq`, stream: booking, group: 'notification', entry, deliveries: 2,
      error: 'template missing for BookingConfirmed\nat line 3', envelope: JSON.stringify(event), event,
    }]);
    const text = await runMain(ns.namespace, ['list', '--context', 'booking']);
    expect(text.status).toBe(0);
    expect(text.out[0]).toBe(`${booking}.dlq: 1 dead letter`);
    expect(text.out[2].trim().split(/ {2,}/)).toEqual([dlqId, booking, 'notification', entry, '2', 'BookingConfirmed', event.aggregateId, event.id, 'template missing for BookingConfirmed at line 3']);
    const json = await runMain(ns.namespace, ['list', '--json', '--group', 'notification']);
    expect(json.out.map((line) => JSON.parse(line))).toEqual([expect.objectContaining({ id: dlqId, eventId: event.id, type: 'BookingConfirmed', deliveries: 2 })]);
    expect(json.err).toEqual([`${booking}.dlq: 1`]);
    expect((await runMain(ns.namespace, ['list', '--group', 'mypage'])).out).toEqual([`${booking}.dlq: 0 dead letters`]);

    // The cause is fixed; replay puts the entry back (fields as the relay writes them) and empties the DLQ.
    notificationFixed = true;
    const [outcome] = await replayDeadLetters(redis, ns.namespace, { all: false, ids: [dlqId] });
    expect(outcome).toMatchObject({ id: dlqId, letter: { event }, replayedAs: expect.stringMatching(/^\d+-\d+$/) });
    expect(await kernelRedis.xlen(`${booking}.dlq`)).toBe(0);
    const [last] = await kernelRedis.xrevrange(booking, '+', '-', 'COUNT', 1);
    expect(last).toEqual([outcome.replayedAs, ['type', 'BookingConfirmed', 'envelope', JSON.stringify(event)]]);

    await waitFor('both groups done with the replayed entry', () => caughtUp(['mypage', 'notification'], outcome.replayedAs!));
    expect(applied).toEqual({ mypage: [event.id], notification: [event.id] });
    const inbox = await orm.em.fork().find(ProcessedEvent, { eventId: event.id }, { orderBy: { consumer: 'asc' } });
    expect(inbox.map((row) => row.consumer)).toEqual(['mypage', 'notification']);

    // Replaying it again finds nothing: it is not put back twice.
    expect(await replayDeadLetters(redis, ns.namespace, { all: false, ids: [dlqId] })).toEqual([{ id: dlqId, problem: expect.stringContaining(`no dead letter ${dlqId}`) }]);
    expect(await kernelRedis.xlen(booking)).toBe(2);
  });

  it('replays and drops by id or --all within a context and group; refuses non-events and ambiguous ids', async () => {
    // Entries written exactly as StreamConsumer.deadLetter writes them, on two streams; 1-1 is in both.
    const letter = (stream: string, id: string, group: string, body: string) =>
      kernelRedis.xadd(deadLetterStream(stream), id, 'envelope', body, 'error', 'boom', 'group', group, 'entry', '1-0', 'deliveries', '5');
    const a = published('PaymentFailed', 'payment');
    const b = published('PaymentFailed', 'payment');
    await letter(payment, '1-1', 'booking', JSON.stringify(a));
    await letter(payment, '1-2', 'booking', '{not json');
    await letter(payment, '1-3', 'notification', JSON.stringify(b));
    await letter(ticket, '1-1', 'booking', JSON.stringify(published('TicketDeleted', 'ticket')));
    const remaining = async (stream: string) => (await kernelRedis.xrange(deadLetterStream(stream), '-', '+')).map(([id]) => id);

    expect(await replayDeadLetters(redis, ns.namespace, { all: false, ids: ['1-1', '9-9'] })).toEqual([
      { id: '1-1', problem: `1-1 is in ${payment}.dlq and ${ticket}.dlq: choose one with --context` },
      { id: '9-9', problem: expect.stringMatching(new RegExp(`^no dead letter 9-9 in the \\d dead-letter streams of namespace "${escape(ns.namespace)}"$`)) },
    ]);
    const notEvent = await runMain(ns.namespace, ['replay', '1-2']);
    expect(notEvent).toEqual({ status: 1, out: ['replayed 0 of 1 dead letter'], err: [expect.stringMatching(/^dlq: 1-2 in .*payment\.events\.dlq is not an event envelope \(boom\); it cannot be replayed, drop it$/)] });

    const replayed = await runMain(ns.namespace, ['replay', '--all', '--context', 'payment', '--group', 'booking']);
    expect(replayed.status).toBe(1); // 1-2 is not an event
    expect(replayed.out[0]).toMatch(new RegExp(`^replayed 1-1 from ${escape(payment)}\\.dlq onto ${escape(payment)} as \\d+-\\d+ \\(PaymentFailed event ${a.id}, group booking\\)$`));
    expect(replayed.out[1]).toBe('replayed 1 of 2 dead letters');
    expect(await remaining(payment)).toEqual(['1-2', '1-3']);
    expect(await remaining(ticket)).toEqual(['1-1']);

    expect(await runMain(ns.namespace, ['drop', '--all', '--context', 'ticket'])).toMatchObject({ status: 2, err: [expect.stringContaining('add --yes')] });
    const droppedAll = await runMain(ns.namespace, ['drop', '--all', '--yes', '--context', 'ticket']);
    expect(droppedAll).toEqual({ status: 0, err: [], out: [expect.stringMatching(new RegExp(`^dropped 1-1 from ${escape(ticket)}\\.dlq \\(TicketDeleted event [0-9a-f-]{36}, group booking\\)$`)), 'dropped 1 of 1 dead letter'] });
    expect(await remaining(ticket)).toEqual([]);
    const dropped = await dropDeadLetters(redis, ns.namespace, { all: false, ids: ['1-2', '1-3'] });
    expect(dropped.map((o) => [o.id, o.letter?.group, o.problem])).toEqual([['1-2', 'booking', undefined], ['1-3', 'notification', undefined]]);
    expect(await remaining(payment)).toEqual([]);
    expect((await listDeadLetters(redis, ns.namespace, { limit: 50 })).filter((page) => page.total > 0)).toEqual([]);
  });

  it('as a process: lists with exit 0, exits 2 on bad arguments and 1 with one line when Redis is unreachable', async () => {
    const event = published('BookingConfirmed');
    await kernelRedis.xadd(deadLetterStream(booking), '*', 'envelope', JSON.stringify(event), 'error', 'boom', 'group', 'mypage', 'entry', '5-0', 'deliveries', '3');
    const run = (args: string[], env: Record<string, string> = {}) =>
      promisify(execFile)(process.execPath, [DLQ_CLI, ...args], { env: { ...process.env, REDIS_URL, EVENTS_NAMESPACE: ns.namespace, ...env } }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
      );

    const [listed, badOption, help, unreachable] = await Promise.all([run(['list']), run(['list', '--verbose']), run(['--help']), run(['list'], { REDIS_URL: 'redis://127.0.0.1:1' })]);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(listed.stdout).toContain(`${booking}.dlq: 1 dead letter\n`);
    expect(listed.stdout).toMatch(new RegExp(`\\d+-\\d+ +${escape(booking)} +mypage +5-0 +3 +BookingConfirmed +${event.aggregateId} +${event.id} +boom\\n`));
    expect(badOption).toEqual({ code: 2, stdout: '', stderr: expect.stringMatching(/^dlq: Unknown option '--verbose'.*\(see npm run dlq -- --help\)\n$/) });
    expect(help).toMatchObject({ code: 0, stdout: expect.stringContaining('Usage: npm run dlq -- <command> [options]') });
    expect(unreachable).toEqual({ code: 1, stdout: '', stderr: 'dlq: cannot reach Redis at redis://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1\n' });
  }, 30_000); // four node processes start at once: seconds each on a loaded 2-core machine
});
