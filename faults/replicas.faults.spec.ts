/**
 * Fault: two replicas of the notification and mypage consumers.
 *
 * Notification and mypage run on PostgreSQL (a SQLite file is one process's) with a second
 * process of each (`replica`): both share the consumer group of their context and compete for
 * the same entries. 16 clients book through the router (200 bookings), then cancel every fifth.
 * Once the groups are drained, effects are counted in the stores:
 * - notification: one row per (event, recipient): customer TicketBooked, PaymentApproved (and
 *   BookingCanceled, PaymentCanceled for the canceled ones), organizer TicketBooked;
 * - mypage: one row per booking whose `version` (count of its MyBookingUpdated) is exactly the
 *   number of events it received (2, or 4 when canceled), and exactly that many distinct
 *   MyBookingUpdated events for it on `mypage.events`.
 *
 * Figures: bookings, cancellations, expected / lost / duplicate effects per context, consumers in
 * each group, seconds for the views to catch up after the last request.
 */
import Redis from 'ioredis';
import { bearer, gqlData, queryStore, waitFor } from '@supergraph/testing';
import { report, seconds } from './figures';
import { bookOnce, envelopesOf, FaultStack, groupBacklog, notificationKeys, OPS, registerTicket, startFaultStack, tally } from './support';

jest.setTimeout(240_000);

const BOOKINGS = 200;
const CLIENTS = 16;
const ORGANIZER = 'org-replicas';

describe('fault: two replicas of the notification and mypage consumers', () => {
  let faults: FaultStack;
  let redis: Redis;

  beforeAll(async () => {
    faults = await startFaultStack('replicas', { serverStores: ['notification', 'mypage'] });
    await faults.replica(['notification', 'mypage']);
    redis = new Redis(faults.redisUrl);
  });
  afterAll(async () => {
    redis?.disconnect();
    await faults?.stop();
  });

  it('applies every effect exactly once', async () => {
    const { url } = faults;
    const ticketId = await registerTicket(url, 'Replicas', BOOKINGS, ORGANIZER);
    const booked: { id: string; customerId: string }[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: CLIENTS }, async () => {
      while (next < BOOKINGS) {
        const customerId = `cust-${next % 40}`;
        next += 1;
        const attempt = await bookOnce(url, ticketId, customerId);
        if (!attempt.ok) throw new Error(`booking failed: ${attempt.code ?? attempt.transport}`);
        booked.push({ id: attempt.bookingId!, customerId });
      }
    }));
    const canceled = booked.filter((_, i) => i % 5 === 0);
    await Promise.all(canceled.map(async (b) => gqlData(url, OPS.cancel, { id: b.id }, await bearer(b.customerId, 'customer'))));
    const lastRequestAt = Date.now();
    const isCanceled = new Set(canceled.map((b) => b.id));

    const expected = booked.flatMap((b) => [
      `TicketBooked|${b.id}|${b.customerId}`, `PaymentApproved|${b.id}|${b.customerId}`, `TicketBooked|${b.id}|${ORGANIZER}`,
      ...(isCanceled.has(b.id) ? [`BookingCanceled|${b.id}|${b.customerId}`, `PaymentCanceled|${b.id}|${b.customerId}`] : []),
    ]);
    const key = (r: { kind: string; correlationId: string; recipientId: string }) => `${r.kind}|${r.correlationId}|${r.recipientId}`;
    const notificationRows = async () => (await notificationKeys(faults.store('notification'))).filter((r) => r.kind !== 'TicketRegistered');
    const myRows = () => queryStore<{ booking_id: string; version: number; booking_status: string; payment_status: string }>(faults.store('mypage'), 'SELECT booking_id, version, booking_status, payment_status FROM my_booking');
    const final = (r: { booking_id: string; booking_status: string; payment_status: string }) =>
      isCanceled.has(r.booking_id) ? r.booking_status === 'CANCELED' && r.payment_status === 'CANCELED' : r.booking_status === 'BOOKED' && r.payment_status === 'APPROVED';
    await waitFor('both views to catch up', async () => {
      for (const [stream, group] of [['booking', 'notification'], ['payment', 'notification'], ['booking', 'mypage'], ['payment', 'mypage']]) {
        const backlog = await groupBacklog(redis, faults.stream(stream), group);
        if (!backlog || backlog.pending !== 0 || backlog.lag !== 0) return false;
      }
      const rows = await myRows();
      return (await notificationRows()).length >= expected.length && rows.filter(final).length >= BOOKINGS;
    }, 120_000, 250);
    const caughtUpAt = Date.now();

    // Grouping by (kind, about, recipient) rather than event id: an effect applied twice from two events would show too.
    const rows = await notificationRows();
    const counted = new Map<string, number>();
    for (const r of rows) counted.set(key(r), (counted.get(key(r)) ?? 0) + Number(r.n));
    const notification = tally(expected, [...counted].map(([k, n]) => ({ key: k, n })));

    const pageRows = await myRows();
    const updates = await envelopesOf(redis, faults.stream('mypage'), 'MyBookingUpdated');
    const distinct = new Map<string, Set<string>>();
    for (const u of updates) distinct.set(u.aggregateId, (distinct.get(u.aggregateId) ?? new Set()).add(u.id));
    const wantVersion = (id: string) => (isCanceled.has(id) ? 4 : 2);
    // A row's version counts its MyBookingUpdated (one per visible change, at most one per event:
    // 2, or 4 when canceled; fewer when a payment event came before its booking's). Applied twice =
    // version above that, or announced by more MyBookingUpdated events than its version.
    const mypageLost = booked.filter((b) => !pageRows.some((r) => r.booking_id === b.id && final(r))).length;
    const mypageDuplicates = pageRows.reduce((sum, r) => sum + Math.max(0, Number(r.version) - wantVersion(r.booking_id)) + Math.max(0, (distinct.get(r.booking_id)?.size ?? 0) - Number(r.version)), 0);
    const consumers = async (stream: string, group: string) => ((await redis.xinfo('CONSUMERS', faults.stream(stream), group)) as unknown[]).length;

    const figures = report(`two replicas each of notification and mypage, ${BOOKINGS} bookings`, {
      bookings: booked.length,
      cancellations: canceled.length,
      'consumers in group notification / mypage (booking.events)': `${await consumers('booking', 'notification')} / ${await consumers('booking', 'mypage')}`,
      'notification: expected effects': notification.expected,
      'notification: lost': notification.lost,
      'notification: duplicateEffects': notification.duplicates,
      'mypage: expected rows': BOOKINGS,
      'mypage: lost': mypageLost,
      'mypage: duplicateEffects': mypageDuplicates,
      'views caught up after last request, s': seconds(caughtUpAt - lastRequestAt),
    });
    expect(figures['notification: lost']).toBe(0);
    expect(figures['notification: duplicateEffects']).toBe(0);
    expect(notification.unexpected).toBe(0);
    expect(figures['mypage: lost']).toBe(0);
    expect(figures['mypage: duplicateEffects']).toBe(0);
  });
});
