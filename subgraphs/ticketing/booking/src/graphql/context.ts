import type DataLoader from 'dataloader';
import type { RequestContext } from '@supergraph/kernel';
import type { BookTicketHandler } from '../application/commands/book-ticket/book-ticket.handler';
import type { CancelBookingHandler } from '../application/commands/cancel-booking/cancel-booking.handler';
import type { Booking } from '../domain/booking';
import type { TicketInventory } from '../domain/ticket-inventory';

/** Per-request context of the booking subgraph: the kernel's base, command handlers and loaders. */
export interface BookingContext extends RequestContext {
  bookTicket: BookTicketHandler;
  cancelBooking: CancelBookingHandler;
  /** Bookings by id, batched for `_entities`. */
  bookings: DataLoader<string, Booking | null>;
  /** Bookings by ticket id, newest first (`Ticket.bookings`), batched. */
  bookingsByTicket: DataLoader<string, Booking[]>;
  /** Ticket replicas by ticket id (`Ticket` references, `Booking.ticket`), batched. */
  inventories: DataLoader<string, TicketInventory | null>;
}
