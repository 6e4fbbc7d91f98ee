/**
 * The live page's rules, free of DOM and network so they are unit-tested (model.spec.ts):
 * notification cursors, merging my-page rows, reconnect backoff and wording of close events.
 */

/** What the connection indicator shows (`data-state` on `#connection`). */
export type ConnectionState = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'offline';

/** One notification as the page selects it from `notificationAdded`. */
export interface NotificationItem {
  id: string;
  kind: string;
  message: string;
  createdAt: string;
}

/** One my-page row as the page selects it from `myPage` and `myPageUpdated`. */
export interface BookingRow {
  bookingId: string;
  ticketTitle: string;
  quantity: number;
  /** Whole KRW. */
  amount: number;
  bookingStatus: string;
  paymentStatus: string | null;
  /** ISO instant of the newest event applied to the row. */
  updatedAt: string;
  /** Resolved by other subgraphs through the router; null when that part of the answer failed. */
  booking: { ticket: { venue: string; seatsLeft: number } | null; payment: { status: string } | null } | null;
}

/** How many notifications the page keeps in the DOM (the newest ones). */
export const MAX_NOTIFICATIONS = 100;

/** The `after` cursor of the very first subscription: below every id, so stored notifications replay. */
export const FIRST_CURSOR = '0';

/**
 * Orders notification (and booking) ids: negative when `a` is older than `b`. Notification ids are
 * 20-digit zero-padded sequence numbers, compared as numbers (so `"0"` is below all of them);
 * other ids (uuid v7 booking ids) compare as strings, which sorts them by creation time.
 */
export function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Remembers the newest notification the page showed, so each appears exactly once across
 * reconnects: `accept` says whether an arriving one is new (and then moves the cursor), and
 * `after` is the cursor a (re)subscription resumes from.
 */
export class NotificationCursor {
  private last: string | null = null;

  /** The id of the newest notification shown, or null before the first. */
  get lastShown(): string | null {
    return this.last;
  }

  /** The `after` argument for the next subscription: the newest id shown, or `FIRST_CURSOR`. */
  get after(): string {
    return this.last ?? FIRST_CURSOR;
  }

  /** True (and the cursor moves to `id`) when `id` is newer than every id shown so far. */
  accept(id: string): boolean {
    if (this.last !== null && compareIds(id, this.last) <= 0) return false;
    this.last = id;
    return true;
  }
}

/**
 * Whether `incoming` should replace `current` (the row already shown for the same booking): yes
 * unless it is older (`updatedAt` before the shown one). On a tie the later answer wins, since the
 * fields other subgraphs resolve (seats left, payment) may be fresher in it.
 */
export function supersedes(incoming: BookingRow, current: BookingRow | undefined): boolean {
  if (!current) return true;
  return Date.parse(incoming.updatedAt) >= Date.parse(current.updatedAt);
}

/** Reconnect delay before attempt `attempt` (0-based), ms: 500 doubling to at most 5000, ±20 % jitter. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(5000, 500 * 2 ** Math.min(attempt, 10));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** A short human reason for a WebSocket close event (or anything thrown instead). */
export function describeClose(event: unknown): string {
  if (event && typeof event === 'object' && 'code' in event) {
    const { code, reason } = event as { code: number; reason?: string };
    if (code === 1006) return 'connection lost';
    if (code === 4499) return 'connection stopped answering';
    return `connection closed (${code}${reason ? `: ${reason}` : ''})`;
  }
  return describeError(event);
}

/** The message(s) of a GraphQL error list, an Error, or anything else, on one line. */
export function describeError(error: unknown): string {
  if (Array.isArray(error)) return error.map((e) => describeError(e)).join('; ') || 'unknown error';
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object' && 'message' in error) return String((error as { message: unknown }).message);
  if (error && typeof error === 'object' && 'type' in error) return `connection ${String((error as { type: unknown }).type)}`; // a DOM Event
  return String(error);
}
