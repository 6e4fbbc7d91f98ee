/**
 * Fault: Redis stopped for 30 s while bookings continue.
 *
 * The stack runs on a redis-server of its own (`ownRedis`: free port, `--appendonly yes
 * --appendfsync always`, so every write Redis acknowledged is on disk). Four clients book through
 * the router all along: 5 s with Redis up, then Redis is killed with SIGKILL (a crash, not a
 * clean shutdown) and stays down 30 s, then it is started again on the same port with the same
 * folder (its AOF restores streams, groups and pending lists) and the clients go on 3 s more.
 * The synchronous path (router → booking → payment) does not need Redis: bookings keep
 * succeeding; their events wait in the outboxes and flow once Redis is back.
 *
 * Figures: bookings attempted / succeeded before, during and after the outage, failure codes,
 * seconds from Redis's return until every booking's effects exist (the backlog drained), and
 * events lost: bookings without their customer's TicketBooked + PaymentApproved notifications,
 * the organizer's TicketBooked notification, or a my-page row BOOKED + APPROVED; duplicates:
 * notification rows beyond one per (kind, booking, recipient).
 */
import { report, seconds } from './figures';
import { queryStore, waitFor } from '@supergraph/testing';
import { Attempt, bookOnce, countBy, delay, FaultStack, notificationKeys, OwnRedis, ownRedis, registerTicket, startFaultStack, tally } from './support';

jest.setTimeout(300_000);

const OUTAGE_MS = 30_000;
const CLIENTS = 4;
const ORGANIZER = 'org-redis';

describe('fault: Redis stopped for 30 s while bookings continue', () => {
  let redis: OwnRedis;
  let faults: FaultStack;

  beforeAll(async () => {
    redis = await ownRedis('outage');
    // Notification and mypage on PostgreSQL: the test polls their stores while they catch up.
    faults = await startFaultStack('redis', { redisUrl: redis.url, serverStores: ['notification', 'mypage'] });
  });
  afterAll(async () => {
    await faults?.stop();
    await redis?.dispose();
  });

  it('keeps booking, loses no event and drains the backlog once Redis is back', async () => {
    const { url } = faults;
    const ticketId = await registerTicket(url, 'Redis Outage', 10_000, ORGANIZER);
    type Timed = Attempt & { phase: 'before' | 'during' | 'after'; customerId: string };
    const attempts: Timed[] = [];
    let phase: Timed['phase'] = 'before';
    let running = true;
    await Promise.all([
      ...Array.from({ length: CLIENTS }, async (_, c) => {
        while (running) {
          const customerId = `cust-${c}`;
          const at = phase;
          const attempt = await bookOnce(url, ticketId, customerId);
          attempts.push({ ...attempt, phase: at === phase ? at : 'during', customerId });
          await delay(attempt.ok ? 50 : 200);
        }
      }),
      (async () => {
        await delay(5000);
        await redis.kill();
        phase = 'during';
        await delay(OUTAGE_MS);
        await redis.start();
        phase = 'after';
        await delay(3000);
        running = false;
      })(),
    ]);
    const backAt = Date.now() - 3000;

    const ok = attempts.filter((a) => a.ok);
    const expected = ok.flatMap((b) => [`TicketBooked|${b.bookingId}|${b.customerId}`, `PaymentApproved|${b.bookingId}|${b.customerId}`, `TicketBooked|${b.bookingId}|${ORGANIZER}`]);
    const counted = async () => {
      const rows = (await notificationKeys(faults.store('notification'))).filter((r) => r.kind !== 'TicketRegistered');
      const map = new Map<string, number>();
      for (const r of rows) map.set(`${r.kind}|${r.correlationId}|${r.recipientId}`, (map.get(`${r.kind}|${r.correlationId}|${r.recipientId}`) ?? 0) + Number(r.n));
      return [...map].map(([key, n]) => ({ key, n }));
    };
    const pageDone = async () => {
      const rows = await queryStore<{ booking_id: string }>(faults.store('mypage'), "SELECT booking_id FROM my_booking WHERE booking_status = 'BOOKED' AND payment_status = 'APPROVED'");
      const have = new Set(rows.map((r) => r.booking_id));
      return ok.filter((b) => !have.has(b.bookingId!)).length;
    };
    let drainedAt: number | undefined;
    try {
      await waitFor('every booking’s notifications and my-page row', async () => tally(expected, await counted()).lost === 0 && (await pageDone()) === 0, 120_000, 250);
      drainedAt = Date.now();
    } catch {
      // reported below as lost
    }
    const notification = tally(expected, await counted());
    const phaseOf = (p: Timed['phase']) => attempts.filter((a) => a.phase === p);
    const figures = report('Redis stopped for 30 s (SIGKILL, restarted on its AOF) while bookings continue', {
      'outage, s': OUTAGE_MS / 1000,
      'bookings before (ok / tried)': `${phaseOf('before').filter((a) => a.ok).length} / ${phaseOf('before').length}`,
      'bookings during outage (ok / tried)': `${phaseOf('during').filter((a) => a.ok).length} / ${phaseOf('during').length}`,
      'bookings after (ok / tried)': `${phaseOf('after').filter((a) => a.ok).length} / ${phaseOf('after').length}`,
      'failures': countBy(attempts.filter((a) => !a.ok).map((a) => a.code ?? a.transport)),
      'expected effects (notifications)': notification.expected,
      'events lost (notifications missing)': notification.lost,
      'my-page rows missing': await pageDone(),
      duplicateEffects: notification.duplicates,
      'backlog drained after Redis returned, s': drainedAt ? seconds(drainedAt - backAt) : 'not within 120 s',
    });
    expect(phaseOf('during').filter((a) => a.ok).length).toBeGreaterThan(0);
    expect(phaseOf('during').every((a) => a.ok)).toBe(true);
    expect(figures['events lost (notifications missing)']).toBe(0);
    expect(figures['my-page rows missing']).toBe(0);
    expect(figures.duplicateEffects).toBe(0);
  });
});
