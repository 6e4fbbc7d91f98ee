/**
 * The GraphQL operations the seed-001 demo sends through the router, written against the public
 * contract (CONTRACT.md "Ticketing", schema/contract/ticketing.graphql) and checked against it
 * by demo-operations.spec.ts. None passes an identity argument (`organizerId` of a new ticket,
 * `customerId` of a booking or a page, `recipientId`): they default to the bearer token's subject
 * (CONTRACT.md "Identity"), so who acts is whoever's token the request carries.
 */
export const OPERATIONS = {
  registerTicket: /* GraphQL */ `
    mutation RegisterTicket($input: RegisterTicketInput!) {
      registerTicket(input: $input) { id title venue price seats organizerId status createdAt }
    }`,
  searchTickets: /* GraphQL */ `
    query SearchTickets($search: String, $organizerId: ID, $onSaleOnly: Boolean, $first: Int) {
      tickets(search: $search, organizerId: $organizerId, onSaleOnly: $onSaleOnly, first: $first) {
        totalCount
        edges { cursor node { id title venue price seats organizerId status } }
        pageInfo { hasNextPage endCursor }
      }
    }`,
  seatsLeft: /* GraphQL */ `
    query SeatsLeft($id: ID!) {
      ticket(id: $id) { id title status seats seatsLeft }
    }`,
  bookTicket: /* GraphQL */ `
    mutation BookTicket($input: BookTicketInput!) {
      bookTicket(input: $input) {
        id customerId quantity amount status bookedAt
        ticket { id title }
        payment { id status amount approvedAt }
      }
    }`,
  cancelBooking: /* GraphQL */ `
    mutation CancelBooking($id: ID!) {
      cancelBooking(id: $id) { id status canceledAt }
    }`,
  booking: /* GraphQL */ `
    query Booking($id: ID!) {
      booking(id: $id) { id status canceledAt payment { id status canceledAt } }
    }`,
  deleteTicket: /* GraphQL */ `
    mutation DeleteTicket($id: ID!) {
      deleteTicket(id: $id) { id title status }
    }`,
  ticketBookings: /* GraphQL */ `
    query TicketBookings($ticketId: ID!) {
      bookings(ticketId: $ticketId) { id customerId status canceledAt }
    }`,
  myPage: /* GraphQL */ `
    query MyPage {
      myPage { bookingId ticketId ticketTitle customerId organizerId amount bookingStatus paymentStatus updatedAt }
    }`,
  organizerPage: /* GraphQL */ `
    query OrganizerPage {
      organizerPage { bookingId ticketId ticketTitle customerId organizerId amount bookingStatus paymentStatus updatedAt }
    }`,
  notifications: /* GraphQL */ `
    query Notifications {
      notifications { id recipientId kind message correlationId createdAt }
    }`,
} as const;

/** Name of one of the demo's operations. */
export type OperationName = keyof typeof OPERATIONS;

/** A ticket as `registerTicket` / `tickets` return it. */
export interface TicketView {
  id: string;
  title: string;
  venue: string;
  price: number;
  seats: number;
  seatsLeft?: number;
  organizerId: string;
  status: 'ON_SALE' | 'DELETED';
}

/** A booking as `bookTicket` / `booking` return it. */
export interface BookingView {
  id: string;
  customerId?: string;
  quantity?: number;
  amount?: number;
  status: 'BOOKED' | 'CANCELED';
  ticket?: { id: string; title: string };
  payment: { id: string; status: 'APPROVED' | 'CANCELED'; amount?: number } | null;
}

/** A row of `myPage` / `organizerPage` (the CQRS view). */
export interface MyBookingView {
  bookingId: string;
  ticketId: string;
  ticketTitle: string;
  customerId: string;
  organizerId: string;
  amount: number;
  bookingStatus: 'BOOKED' | 'CANCELED';
  paymentStatus: 'APPROVED' | 'CANCELED' | null;
  updatedAt: string;
}

/** A row of `notifications`. */
export interface NotificationView {
  id: string;
  recipientId: string;
  kind: string;
  message: string;
  correlationId: string;
  createdAt: string;
}
