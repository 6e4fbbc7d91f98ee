import type { QueryName } from './options';

/** Who sends a bench query: an admin, the seeded customer whose page it reads, or nobody (public search). */
export type Sender = 'admin' | 'customer' | 'anonymous';

/** One query of the bench: its text, variables and sender. */
export interface BenchQuery {
  name: QueryName;
  title: string;
  query: string;
  variables: Record<string, unknown>;
  sender: Sender;
}

/** The customer whose `myPage` query (c) reads; the seed gives every customer bookings. */
export const PAGE_CUSTOMER = 'bench-customer-0';

/**
 * The bench's queries:
 * (a) the public gateway benchmark's shape: a list crossing subgraphs and coming back, ticket →
 *     bookings (booking) → payment (payment) → ticket (ticket title, booking seatsLeft); with the
 *     seed's 20 bookings per ticket, 200 bookings whose 10 tickets repeat 20 times each;
 * (b) public ticket search, `tickets(first: 20)` with `seatsLeft` (ticket → booking);
 * (c) a customer's `myPage` (mypage) with each row's `booking { ticket }` (booking → ticket).
 */
export const QUERIES: Record<QueryName, BenchQuery> = {
  a: {
    name: 'a',
    title: '(a) tickets → bookings → payment → ticket',
    sender: 'admin',
    variables: {},
    query: `query BenchNested {
  tickets(first: 10) {
    edges { node { id title venue price
      bookings { id quantity amount status
        payment { id amount status }
        ticket { id title price seatsLeft }
      }
    } }
  }
}`,
  },
  b: {
    name: 'b',
    title: '(b) tickets(first: 20) with seatsLeft',
    sender: 'anonymous',
    variables: {},
    query: `query BenchSearch {
  tickets(first: 20) { totalCount edges { node { id title venue price seats seatsLeft } } }
}`,
  },
  c: {
    name: 'c',
    title: '(c) myPage with booking { ticket }',
    sender: 'customer',
    variables: { customerId: PAGE_CUSTOMER },
    query: `query BenchMyPage($customerId: ID) {
  myPage(customerId: $customerId) { bookingId ticketTitle bookingStatus paymentStatus
    booking { id quantity status ticket { id title venue seatsLeft } }
  }
}`,
  },
};
