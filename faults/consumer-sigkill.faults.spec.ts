/**
 * Fault: a consumer SIGKILLed 5 times while 5,000 events flow.
 *
 * The notification subgraph runs alone (its consumer group `notification` on `booking.events`,
 * SQLite store as in the polyglot profile). The test writes 5,000 `TicketBooked` envelopes onto
 * `booking.events` exactly as booking's outbox relay would (fields `type` and `envelope`), 100
 * every 400 ms, while it SIGKILLs the notification process 5 times, 3 s apart, starting it again
 * each time (every restart is a new consumer name, `<hostname>-<pid>`, so what the killed process
 * had read but not acknowledged is taken over with XAUTOCLAIM after `CONSUMER_CLAIM_IDLE_MS`,
 * set to 3 s here). Then it waits for the group to drain (nothing pending, lag 0) and counts
 * effects in the store: one notification per (event, recipient) — the customer and the
 * organizer of each booking, 10,000 keys — and one `NotificationAdded` per notification.
 *
 * Figures: sent, kills, expected effects, lost (expected keys missing), duplicateEffects (rows
 * beyond one per key, and notifications announced by two different events), seconds to drain
 * after the last event was sent, relay republishes (the same envelope XADDed twice after a kill:
 * at-least-once publishing, harmless because consumers dedupe by envelope id).
 */
import Redis from 'ioredis';
import { waitFor } from '@supergraph/testing';
import { report, seconds } from './figures';
import { delay, envelopesOf, FaultStack, groupBacklog, notificationKeys, startFaultStack, tally, ticketBookedEnvelope, xaddAllAsRelay } from './support';

jest.setTimeout(300_000);

const EVENTS = 5000;
const BATCH = 100;
const BATCH_EVERY_MS = 400;
const KILLS = 5;
const KILL_EVERY_MS = 3000;
const ORGANIZER = 'org-sigkill';

describe('fault: consumer SIGKILLed while events flow', () => {
  let faults: FaultStack;
  let redis: Redis;

  beforeAll(async () => {
    faults = await startFaultStack('sigkill', { services: ['notification'], env: { CONSUMER_CLAIM_IDLE_MS: '3000' } });
    redis = new Redis(faults.redisUrl);
  });
  afterAll(async () => {
    redis?.disconnect();
    await faults?.stop();
  });

  it(`loses nothing and applies nothing twice across ${KILLS} SIGKILLs during ${EVENTS} events`, async () => {
    const { stack } = faults;
    const stream = faults.stream('booking');
    const events = Array.from({ length: EVENTS }, (_, i) => ticketBookedEnvelope(`booking-${i}-${Math.random().toString(36).slice(2, 8)}`, `cust-${i % 100}`, ORGANIZER));

    const started = Date.now();
    const produce = (async () => {
      for (let i = 0; i < EVENTS; i += BATCH) {
        await xaddAllAsRelay(redis, stream, events.slice(i, i + BATCH));
        await delay(BATCH_EVERY_MS);
      }
      return Date.now();
    })();
    const restartsMs: number[] = [];
    const pendingAtKill: number[] = [];
    const kill = (async () => {
      for (let k = 0; k < KILLS; k += 1) {
        await delay(KILL_EVERY_MS);
        const pid = stack.pid('notification')!;
        pendingAtKill.push((await groupBacklog(redis, stream, 'notification'))?.pending ?? 0);
        process.kill(pid, 'SIGKILL');
        await waitFor('the killed consumer to be gone', () => stack.pid('notification') === undefined, 10_000);
        const t = Date.now();
        await stack.start('notification');
        restartsMs.push(Date.now() - t);
      }
    })();
    const [sentAt] = await Promise.all([produce, kill]);

    // Drained = every entry delivered (lag 0) and acknowledged (nothing pending), i.e. committed.
    // Only Redis is polled meanwhile: a reader of the SQLite file could make the writer's COMMIT
    // fail with SQLITE_BUSY (faults/README.md, "Found").
    await waitFor('the notification group to drain', async () => {
      const backlog = await groupBacklog(redis, stream, 'notification');
      return backlog !== undefined && backlog.pending === 0 && backlog.lag === 0;
    }, 180_000, 250);
    const drainedAt = Date.now();
    await stack.stop('notification'); // SIGTERM: its relay publishes what is left; then the store is read

    const expected = events.flatMap((e) => [`${e.id}|${e.payload.customerId}`, `${e.id}|${ORGANIZER}`]);
    const rows = await notificationKeys(faults.store('notification'));
    const effects = tally(expected, rows.map((r) => ({ key: `${r.eventId}|${r.recipientId}`, n: r.n })));

    // Every stored notification is announced (NotificationAdded) by exactly one event; the relay may XADD one envelope twice.
    const added = await envelopesOf(redis, faults.stream('notification'), 'NotificationAdded');
    const unannounced = rows.length - new Set(added.map((e) => e.payload.notificationId)).size;
    const envelopesPerNotification = new Map<string, Set<string>>();
    for (const e of added) envelopesPerNotification.set(e.payload.notificationId, (envelopesPerNotification.get(e.payload.notificationId) ?? new Set()).add(e.id));
    const announcedTwice = [...envelopesPerNotification.values()].filter((ids) => ids.size > 1).length;
    const republished = added.length - new Set(added.map((e) => e.id)).size;
    const dlq = await redis.xlen(`${stream}.dlq`);

    const figures = report(`consumer SIGKILLed ${KILLS} times while ${EVENTS} events flow`, {
      sent: EVENTS,
      kills: restartsMs.length,
      'pending (read, not acked) at each kill': pendingAtKill.join(' / '),
      'restart to ready, s (max)': seconds(Math.max(...restartsMs)),
      'expected effects (event × recipient)': effects.expected,
      'effects stored': rows.length,
      lost: effects.lost,
      duplicateEffects: effects.duplicates + announcedTwice,
      'notifications never announced': unannounced,
      unexpected: effects.unexpected,
      'dead-lettered': dlq,
      'sending took, s': seconds(sentAt - started),
      'drained after last send, s': seconds(drainedAt - sentAt),
      'relay republishes (harmless)': republished,
    });
    expect(figures.kills).toBe(KILLS);
    expect(figures.lost).toBe(0);
    expect(figures.duplicateEffects).toBe(0);
    expect(figures.unexpected).toBe(0);
    expect(figures['dead-lettered']).toBe(0);
    expect(figures['notifications never announced']).toBe(0);
  });
});
