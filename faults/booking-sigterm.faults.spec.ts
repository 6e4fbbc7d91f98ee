/**
 * Fault: SIGTERM to booking in the middle of steady load.
 *
 * Eight clients book one seat after another through the router (polyglot stack). After 3 s
 * booking gets SIGTERM (`stack.stop`: readiness 503, in-flight requests finished, listener closed,
 * process exits); the clients keep going while it is gone; it is started again and the load runs
 * 3 s more. Every request must end in a booking or a GraphQL error with `extensions.code` — never
 * a reset or refused connection, never an error without a code. A failed request writes nothing:
 * afterwards the ticket's bookings are exactly the successful ones and seats left = seats − them.
 *
 * Figures: requests, booked, coded failures by code, transport failures (must be 0), errors
 * without code (must be 0), requests in flight when SIGTERM was sent and how they ended, seconds
 * booking took to stop, bookings written vs successes reported.
 */
import { gqlData } from '@supergraph/testing';
import { report, seconds } from './figures';
import { Attempt, bookOnce, countBy, delay, FaultStack, OPS, registerTicket, startFaultStack, ticketBookings } from './support';

jest.setTimeout(180_000);

const CLIENTS = 8;
const SEATS = 5000;
const ORGANIZER = 'org-sigterm';

describe('fault: SIGTERM to booking under steady load', () => {
  let faults: FaultStack;

  beforeAll(async () => {
    faults = await startFaultStack('sigterm');
  });
  afterAll(() => faults?.stop());

  it('ends every in-flight request in a booking or a coded error, never a reset connection', async () => {
    const { stack, url } = faults;
    const ticketId = await registerTicket(url, 'Sigterm', SEATS, ORGANIZER);
    const attempts: (Attempt & { startedAt: number; endedAt: number })[] = [];
    let running = true;
    const client = async (c: number) => {
      while (running) {
        const startedAt = Date.now();
        const attempt = await bookOnce(url, ticketId, `cust-${c}`);
        attempts.push({ ...attempt, startedAt, endedAt: Date.now() });
        if (!attempt.ok) await delay(20);
      }
    };
    const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));

    await delay(3000);
    const sigtermAt = Date.now();
    await stack.stop('booking');
    const stoppedAt = Date.now();
    await delay(1000);
    await stack.start('booking');
    const backAt = Date.now();
    await delay(3000);
    running = false;
    await Promise.all(clients);

    const inFlight = attempts.filter((a) => a.startedAt < sigtermAt && a.endedAt > sigtermAt);
    const ok = attempts.filter((a) => a.ok);
    const written = await ticketBookings(url, ticketId, ORGANIZER);
    const seatsLeft = (await gqlData(url, OPS.seats, { id: ticketId })).ticket.seatsLeft as number;
    const okIds = new Set(ok.map((a) => a.bookingId!));
    const writtenIds = new Set(written.map((b) => b.id));
    const figures = report('SIGTERM to booking under steady load', {
      clients: CLIENTS,
      requests: attempts.length,
      booked: ok.length,
      'coded failures': countBy(attempts.map((a) => a.code)),
      'transport failures (reset/refused)': attempts.filter((a) => a.transport).length,
      'errors without code': attempts.filter((a) => a.code === 'NO_CODE').length,
      'in flight at SIGTERM': inFlight.length,
      'in flight: booked / coded / transport': `${inFlight.filter((a) => a.ok).length} / ${inFlight.filter((a) => a.code).length} / ${inFlight.filter((a) => a.transport).length}`,
      'booking stopped within, s': seconds(stoppedAt - sigtermAt),
      'down (stop → ready again), s': seconds(backAt - sigtermAt),
      'bookings written': written.length,
      'successful bookings missing': ok.filter((a) => !writtenIds.has(a.bookingId!)).length,
      'bookings written for a failed request': written.filter((b) => !okIds.has(b.id)).length,
      'seats held without a booking (until the hold sweeper)': SEATS - written.length - seatsLeft,
    });
    expect(figures['transport failures (reset/refused)']).toBe(0);
    expect(figures['errors without code']).toBe(0);
    expect(figures['successful bookings missing']).toBe(0);
    expect(ok.length).toBeGreaterThan(0);
    // CONTRACT.md "A failed mutation writes nothing": a request that reaches booking on a
    // connection its drain already half-closed is dropped unprocessed (refuseUnanswerableRequests).
    expect(figures['bookings written for a failed request']).toBe(0);
    expect(figures['seats held without a booking (until the hold sweeper)']).toBe(0);
  });
});
