/**
 * Fault: a poison event (one its consumer can never apply).
 *
 * The notification subgraph runs alone, on PostgreSQL (the test polls its store while it works;
 * see faults/README.md for why not SQLite). The test XADDs onto `booking.events`, as booking's relay
 * would, a `TicketBooked` whose `customerId` is empty (the notification domain refuses it:
 * `BAD_USER_INPUT recipientId`), followed at once by 200 good `TicketBooked` events. The poison
 * is retried until it has been delivered `CONSUMER_MAX_DELIVERIES` times (5, the default) and is
 * then moved to `booking.events.dlq` with its error, and acknowledged; the good events behind it
 * flow meanwhile — none waits for the poison's retries.
 *
 * Figures: deliveries of the poison when dead-lettered (N), the DLQ entry's group and error,
 * seconds until it was dead-lettered, seconds until all 200 events behind it were applied, and
 * effects: lost / duplicates among the good events, notifications written for the poison (0: its
 * transaction rolled back, the organizer was not told either), group left with nothing pending.
 */
import Redis from 'ioredis';
import { waitFor } from '@supergraph/testing';
import { report, seconds } from './figures';
import { FaultStack, groupBacklog, notificationKeys, startFaultStack, tally, ticketBookedEnvelope, xaddAllAsRelay } from './support';

jest.setTimeout(120_000);

const GOOD = 200;
const MAX_DELIVERIES = 5;

describe('fault: a poison event', () => {
  let faults: FaultStack;
  let redis: Redis;

  beforeAll(async () => {
    faults = await startFaultStack('poison', { services: ['notification'], serverStores: ['notification'], env: { CONSUMER_MAX_DELIVERIES: String(MAX_DELIVERIES) } });
    redis = new Redis(faults.redisUrl);
  });
  afterAll(async () => {
    redis?.disconnect();
    await faults?.stop();
  });

  it(`is dead-lettered after ${MAX_DELIVERIES} deliveries while the events behind it flow`, async () => {
    const stream = faults.stream('booking');
    const poison = ticketBookedEnvelope('booking-poison', '', 'org-poison');
    const good = Array.from({ length: GOOD }, (_, i) => ticketBookedEnvelope(`booking-good-${i}`, `cust-${i % 20}`, 'org-poison'));
    const sentAt = Date.now();
    await xaddAllAsRelay(redis, stream, [poison, ...good]);

    const expected = good.flatMap((e) => [`${e.id}|${e.payload.customerId}`, `${e.id}|org-poison`]);
    const goodDoneAfter = await waitFor('the good events to be applied', async () => {
      const rows = await notificationKeys(faults.store('notification'));
      return rows.filter((r) => r.eventId !== poison.id).length >= expected.length ? Date.now() - sentAt : undefined;
    }, 60_000, 50);
    const dead = await waitFor('the poison in the dead-letter stream', async () => {
      const entries = await redis.xrange(`${stream}.dlq`, '-', '+');
      return entries.length > 0 ? { at: Date.now() - sentAt, entries } : undefined;
    }, 60_000, 50);
    await waitFor('nothing pending in the group', async () => {
      const backlog = await groupBacklog(redis, stream, 'notification');
      return backlog?.pending === 0 && backlog.lag === 0;
    }, 10_000);

    const fields = (entry: [string, string[]]) => Object.fromEntries(entry[1].flatMap((v, i, all) => (i % 2 === 0 ? [[v, all[i + 1]]] : [])));
    const dlq = dead.entries.map(fields);
    const rows = await notificationKeys(faults.store('notification'));
    const effects = tally(expected, rows.filter((r) => r.eventId !== poison.id).map((r) => ({ key: `${r.eventId}|${r.recipientId}`, n: r.n })));
    const figures = report(`poison event among ${GOOD} good ones`, {
      'dead-lettered entries': dlq.length,
      'deliveries before dead-letter (N)': Number(dlq[0].deliveries),
      'dlq group': dlq[0].group,
      'dlq error': dlq[0].error,
      'dead-lettered after, s': seconds(dead.at),
      'events behind it applied after, s': seconds(goodDoneAfter),
      'good events': GOOD,
      lost: effects.lost,
      duplicateEffects: effects.duplicates,
      'notifications for the poison': rows.filter((r) => r.eventId === poison.id).length,
    });
    expect(figures['dead-lettered entries']).toBe(1);
    expect(JSON.parse(dlq[0].envelope).id).toBe(poison.id);
    expect(figures['deliveries before dead-letter (N)']).toBe(MAX_DELIVERIES);
    expect(figures['dlq group']).toBe('notification');
    expect(figures.lost).toBe(0);
    expect(figures.duplicateEffects).toBe(0);
    expect(figures['notifications for the poison']).toBe(0);
  });
});
