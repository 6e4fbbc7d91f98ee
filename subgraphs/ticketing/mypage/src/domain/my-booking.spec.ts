import type { BookingCanceled, MyBookingUpdated, PaymentApproved, PaymentCanceled, TicketBooked } from '@supergraph/contracts';
import { MyBooking } from './my-booking';

const booked: TicketBooked = {
  bookingId: 'b1', ticketId: 't1', ticketTitle: 'Swan Lake', customerId: 'cust-1', organizerId: 'org-1', quantity: 2, amount: 100_000, bookedAt: '2026-11-21T00:00:01.000Z',
};
const canceled: BookingCanceled = { ...booked, reason: 'CUSTOMER', canceledAt: '2026-11-21T00:00:05.000Z' };
const approved: PaymentApproved = { paymentId: 'p1', bookingId: 'b1', customerId: 'cust-1', amount: 100_000, approvedAt: '2026-11-21T00:00:00.000Z' };
const refunded: PaymentCanceled = { paymentId: 'p1', bookingId: 'b1', customerId: 'cust-1', amount: 100_000, canceledAt: '2026-11-21T00:00:06.000Z' };

/** One event of the view's inputs, as the projection applies it. */
interface Arrival {
  name: string;
  occurredAt: Date;
  apply(row: MyBooking): void;
}

const at = (iso: string) => new Date(iso);
/**
 * The four events of one booking's life; PaymentApproved occurs first (payment is approved before the booking commits).
 * BookingAbandoned, the fifth, contradicts a booking event (an abandoned booking never exists) but still merges in any order.
 */
const arrivals: Record<'approved' | 'booked' | 'canceled' | 'refunded' | 'abandoned', Arrival> = {
  approved: { name: 'PaymentApproved', occurredAt: at('2026-11-21T00:00:00.500Z'), apply: (row) => row.recordPaymentApproved(approved, at('2026-11-21T00:00:00.500Z')) },
  booked: { name: 'TicketBooked v1', occurredAt: at('2026-11-21T00:00:01.000Z'), apply: (row) => row.recordBooked(booked, { version: 1, occurredAt: at('2026-11-21T00:00:01.000Z') }) },
  canceled: { name: 'BookingCanceled v2', occurredAt: at('2026-11-21T00:00:05.000Z'), apply: (row) => row.recordCanceled(canceled, { version: 2, occurredAt: at('2026-11-21T00:00:05.000Z') }) },
  refunded: { name: 'PaymentCanceled', occurredAt: at('2026-11-21T00:00:06.000Z'), apply: (row) => row.recordPaymentCanceled(refunded, at('2026-11-21T00:00:06.000Z')) },
  abandoned: { name: 'BookingAbandoned', occurredAt: at('2026-11-21T00:00:03.000Z'), apply: (row) => row.recordAbandoned(at('2026-11-21T00:00:03.000Z')) },
};

/** The row after `order` arrived, starting as the projection does from the first event. */
function project(order: Arrival[]): MyBooking {
  const row = MyBooking.start('b1', order[0].occurredAt);
  for (const arrival of order) arrival.apply(row);
  return row;
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

function subsets<T>(items: T[]): T[][] {
  return items.reduce<T[][]>((acc, item) => [...acc, ...acc.map((s) => [...s, item])], [[]]).filter((s) => s.length > 0);
}

/** The row's view fields (not the events it raised nor their count, which depend on the order). */
const snapshot = (row: MyBooking) => ({
  ...Object.fromEntries(Object.entries(row).filter(([field]) => field !== 'version' && field !== 'pendingEvents')),
  hasBooking: row.hasBooking(),
});
/** `[aggregateVersion, bookingStatus, paymentStatus]` of each `MyBookingUpdated` raised since the last call. */
const updates = (row: MyBooking) =>
  row.pullEvents().map((e) => {
    expect(e).toMatchObject({ type: 'MyBookingUpdated', aggregateType: 'MyBooking', aggregateId: 'b1' });
    const payload = e.payload as unknown as MyBookingUpdated;
    return [e.aggregateVersion, payload.bookingStatus, payload.paymentStatus];
  });
const { approved: A, booked: B, canceled: C, refunded: R, abandoned: X } = arrivals;

describe('MyBooking merge rules', () => {
  it.each(subsets(Object.values(arrivals)).map((s) => [s.map((a) => a.name).join(' + '), s] as const))(
    'converges whatever the order of %s',
    (_name, events) => {
      const orders = permutations(events);
      const expected = snapshot(project(orders[0]));
      for (const order of orders) expect(snapshot(project(order))).toEqual(expected);
    },
  );

  it('ends canceled/canceled with booking facts and the latest time, in all 24 orders', () => {
    for (const order of permutations([A, B, C, R])) {
      expect(snapshot(project(order))).toEqual({
        bookingId: 'b1', ticketId: 't1', ticketTitle: 'Swan Lake', customerId: 'cust-1', organizerId: 'org-1', quantity: 2, amount: 100_000,
        bookingStatus: 'CANCELED', bookingVersion: 2, paymentStatus: 'CANCELED', abandoned: false, updatedAt: R.occurredAt, revision: 1, hasBooking: true,
      });
    }
  });

  it('is idempotent: an event applied again changes nothing', () => {
    for (const order of permutations([A, B, C, R])) {
      expect(snapshot(project([...order, ...order.slice().reverse()]))).toEqual(snapshot(project(order)));
    }
  });

  it('holds a payment that arrived first, hidden until its booking is seen', () => {
    const early = project([A]);
    expect(early.hasBooking()).toBe(false);
    expect(early).toMatchObject({ customerId: 'cust-1', amount: 100_000, paymentStatus: 'APPROVED', bookingStatus: null, ticketId: null });
    B.apply(early);
    expect(early.hasBooking()).toBe(true);
    expect(early).toMatchObject({ bookingStatus: 'BOOKED', paymentStatus: 'APPROVED', ticketTitle: 'Swan Lake', organizerId: 'org-1', updatedAt: B.occurredAt });
  });

  it('never resurrects a canceled booking or payment with a late event', () => {
    const row = project([C, R, B, A]);
    expect(row).toMatchObject({ bookingStatus: 'CANCELED', bookingVersion: 2, paymentStatus: 'CANCELED' });
  });

  it('never applies an older booking event over a newer one', () => {
    const row = project([C]);
    row.recordBooked({ ...booked, ticketTitle: 'Stale title', amount: 1 }, { version: 1, occurredAt: B.occurredAt });
    expect(row).toMatchObject({ bookingStatus: 'CANCELED', bookingVersion: 2, ticketTitle: 'Swan Lake', amount: 100_000, updatedAt: C.occurredAt });
  });

  it('takes booking facts over payment facts', () => {
    const row = project([A]);
    row.recordBooked({ ...booked, customerId: 'cust-from-booking', amount: 90_000 }, { version: 1, occurredAt: B.occurredAt });
    R.apply(row);
    expect(row).toMatchObject({ customerId: 'cust-from-booking', amount: 90_000 });
  });

  it('forgets the payment facts of a booking abandoned before any booking event, whatever the order, for good', () => {
    for (const order of permutations([A, X, R])) {
      expect(snapshot(project(order))).toEqual({
        bookingId: 'b1', ticketId: null, ticketTitle: null, customerId: null, organizerId: null, quantity: null, amount: null,
        bookingStatus: null, bookingVersion: 0, paymentStatus: 'CANCELED', abandoned: true, updatedAt: R.occurredAt, revision: 1, hasBooking: false,
      });
    }
    const tombstone = project([X]);
    A.apply(tombstone);
    expect(tombstone).toMatchObject({ customerId: null, amount: null, paymentStatus: 'APPROVED' });
    expect(tombstone.hasBooking()).toBe(false);
  });

  it('keeps the booking facts of a row with a booking event when it is reported abandoned', () => {
    const row = project([A, B, X]);
    expect(row.hasBooking()).toBe(true);
    expect(row).toMatchObject({ customerId: 'cust-1', amount: 100_000, bookingStatus: 'BOOKED', paymentStatus: 'APPROVED', updatedAt: X.occurredAt });
  });
});

describe('MyBookingUpdated', () => {
  it('is raised once the row is visible, with the row as MyBooking shows it', () => {
    const row = project([A]);
    expect(row.pullEvents()).toEqual([]); // a payment alone is hidden
    B.apply(row);
    expect(row.pullEvents()).toEqual([
      {
        type: 'MyBookingUpdated', aggregateType: 'MyBooking', aggregateId: 'b1', aggregateVersion: 1,
        payload: {
          bookingId: 'b1', ticketId: 't1', ticketTitle: 'Swan Lake', customerId: 'cust-1', organizerId: 'org-1', quantity: 2, amount: 100_000,
          bookingStatus: 'BOOKED', paymentStatus: 'APPROVED', updatedAt: B.occurredAt.toISOString(),
        },
      },
    ]);
  });

  it('is raised for each change of a visible row, counted by version, and not for an event that changes nothing', () => {
    const row = project([B]);
    expect(updates(row)).toEqual([[1, 'BOOKED', null]]);
    A.apply(row);
    C.apply(row);
    R.apply(row);
    expect(updates(row)).toEqual([[2, 'BOOKED', 'APPROVED'], [3, 'CANCELED', 'APPROVED'], [4, 'CANCELED', 'CANCELED']]);
    for (const again of [A, B, C, R]) again.apply(row);
    expect(updates(row)).toEqual([]);
    expect(row.version).toBe(4);
  });

  it('is never raised for an abandoned booking’s tombstone, whatever its payment does', () => {
    for (const order of permutations([A, X, R])) expect(updates(project(order))).toEqual([]);
  });

  it('is raised when a visible row is reported abandoned later only if what it shows changed (its time)', () => {
    const row = project([A, B]);
    row.pullEvents();
    X.apply(row);
    expect(row.pullEvents().map((e) => (e.payload as unknown as MyBookingUpdated).updatedAt)).toEqual([X.occurredAt.toISOString()]);
  });
});
