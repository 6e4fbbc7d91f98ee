/**
 * The live page (`/live`): one customer's my-page rows and notifications, kept current over the
 * router's GraphQL WebSocket (graphql-ws, `graphql-transport-ws`) at the page's own `/graphql`.
 *
 * Each connection is its own graphql-ws client with retries off; this file's loop reconnects
 * (backoff 0.5 s doubling to 5 s, forever; back to 0.5 s after a connection that stayed live 10 s),
 * so every resubscription is built afresh: it resumes `notificationAdded` after the newest
 * notification shown, and re-reads `myPage` (which is not resumable).
 * The customer signs in with a bearer token (`npm run token -- --sub alice`): it goes in the
 * graphql-ws `connection_init` payload and in the `Authorization` header of the `myPage` read, and
 * stays in this tab's sessionStorage (never in the URL). The router closes the socket with 4401
 * when the token is refused or expires: the page then stops and asks for a new one.
 */
import type { Client, FormattedExecutionResult } from 'graphql-ws/client';
import { backoffMs, BookingRow, compareIds, ConnectionState, describeClose, describeError, MAX_NOTIFICATIONS, NotificationCursor, NotificationItem, supersedes } from './model.js';

const ROW_FIELDS = 'bookingId ticketTitle quantity amount bookingStatus paymentStatus updatedAt booking { ticket { venue seatsLeft } payment { status } }';
// No identity arguments: they default to the token's subject.
const MY_PAGE_UPDATED = `subscription LiveMyPage { myPageUpdated { ${ROW_FIELDS} } }`;
const MY_PAGE = `query LiveMyPageRows { myPage { ${ROW_FIELDS} } }`;
const NOTIFICATION_ADDED = 'subscription LiveNotifications($after: ID) { notificationAdded(after: $after) { id kind message createdAt } }';
/** Close code of a refused or expired token (the router's; graphql-ws `Unauthorized`): reconnecting with the same token cannot help. */
const UNAUTHORIZED = 4401;
const TOKEN_KEY = 'live.token';

/** How often the client pings the router, and how long it waits for the pong before giving the connection up, ms. */
const PING_EVERY_MS = 10_000;
const PONG_WITHIN_MS = 5_000;
/** A connection that stayed live this long resets the backoff; shorter ones (a subscription failing at once) keep backing off, ms. */
const STABLE_AFTER_MS = 10_000;
/** After connecting, `myPage` is read at once and again after this long, ms: closes the seam where the router may still be starting the subscription. */
const SETTLE_REREAD_MS = 1_000;

const graphqlHttpUrl = new URL('/graphql', location.href).href;
const graphqlWsUrl = graphqlHttpUrl.replace(/^http/, 'ws');

// --- view ----------------------------------------------------------------------------------------

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

/** Everything the page draws; the session only calls these. */
class View {
  private readonly connection = byId<HTMLParagraphElement>('connection');
  private readonly connectionLabel = byId<HTMLSpanElement>('connection-label');
  private readonly connectionDetail = byId<HTMLSpanElement>('connection-detail');
  private readonly problem = byId<HTMLParagraphElement>('problem');
  private readonly bookings = byId<HTMLTableSectionElement>('bookings');
  private readonly bookingsEmpty = byId<HTMLParagraphElement>('bookings-empty');
  private readonly notifications = byId<HTMLOListElement>('notifications');
  private readonly notificationsEmpty = byId<HTMLParagraphElement>('notifications-empty');
  private readonly rows = new Map<string, { row: BookingRow; element: HTMLTableRowElement }>();
  private readonly money = new Intl.NumberFormat('ko-KR');

  /** Shows the connection state (`data-state` for tests and CSS) with an optional detail line. */
  setState(state: ConnectionState, detail = ''): void {
    const labels: Record<ConnectionState, string> = { idle: 'Not connected', connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline' };
    this.connection.dataset.state = state;
    this.connectionLabel.textContent = labels[state];
    this.connectionDetail.textContent = detail;
  }

  /** Shows (or with an empty message hides) the last problem worth telling the person. */
  setProblem(message: string): void {
    this.problem.textContent = message;
    this.problem.hidden = !message;
  }

  /** Empties both lists (another customer). */
  clear(): void {
    this.rows.clear();
    this.bookings.replaceChildren();
    this.notifications.replaceChildren();
    this.refreshEmptyHints();
  }

  /** Shows `row` unless the one shown for its booking is newer; rows are ordered newest booking first. */
  upsertRow(row: BookingRow, fresh: boolean): void {
    const shown = this.rows.get(row.bookingId);
    if (!supersedes(row, shown?.row)) return;
    const element = shown?.element ?? document.createElement('tr');
    element.dataset.bookingId = row.bookingId;
    element.dataset.bookingStatus = row.bookingStatus;
    const paymentStatus = row.paymentStatus ?? row.booking?.payment?.status ?? null;
    element.dataset.paymentStatus = paymentStatus ?? '';
    element.replaceChildren(
      cell(row.ticketTitle),
      cell(row.booking?.ticket?.venue ?? '—'),
      cell(String(row.quantity), 'num'),
      cell(this.money.format(row.amount), 'num'),
      cell(row.bookingStatus, `status-${row.bookingStatus}`, 'booking-status'),
      cell(paymentStatus ?? 'pending', paymentStatus ? `status-${paymentStatus}` : '', 'payment-status'),
      cell(row.booking?.ticket ? String(row.booking.ticket.seatsLeft) : '—', 'num', 'seats-left'),
      timeCell(row.updatedAt),
    );
    this.rows.set(row.bookingId, { row, element });
    if (!shown) {
      // Booking ids are uuid v7: a greater id is a newer booking, so it goes above.
      const after = [...this.rows.values()]
        .filter((r) => r.element !== element && compareIds(r.row.bookingId, row.bookingId) < 0)
        .sort((a, b) => compareIds(b.row.bookingId, a.row.bookingId))[0];
      this.bookings.insertBefore(element, after?.element ?? null);
    }
    if (fresh) flash(element);
    this.refreshEmptyHints();
  }

  /** Adds a notification at the top, keeping only the newest `MAX_NOTIFICATIONS`. */
  addNotification(notification: NotificationItem): void {
    const item = document.createElement('li');
    item.dataset.notificationId = notification.id;
    item.dataset.kind = notification.kind;
    const kind = document.createElement('span');
    kind.className = 'kind';
    kind.textContent = notification.kind;
    const message = document.createElement('span');
    message.className = 'message';
    message.textContent = notification.message;
    item.append(timeElement(notification.createdAt), kind, message);
    this.notifications.prepend(item);
    flash(item);
    while (this.notifications.children.length > MAX_NOTIFICATIONS) this.notifications.lastElementChild?.remove();
    this.refreshEmptyHints();
  }

  private refreshEmptyHints(): void {
    this.bookingsEmpty.hidden = this.rows.size > 0;
    this.notificationsEmpty.hidden = this.notifications.children.length > 0;
  }
}

function cell(text: string, className = '', field = ''): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  if (field) td.dataset.field = field;
  return td;
}

function timeElement(iso: string): HTMLTimeElement {
  const time = document.createElement('time');
  time.dateTime = iso;
  const date = new Date(iso);
  time.textContent = Number.isNaN(date.getTime()) ? iso : date.toLocaleTimeString();
  time.title = iso;
  return time;
}

function timeCell(iso: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.append(timeElement(iso));
  return td;
}

function flash(element: HTMLElement): void {
  element.classList.remove('fresh');
  void element.offsetWidth; // restart the animation
  element.classList.add('fresh');
}

// --- session ---------------------------------------------------------------------------------------

/** How one connection ended: whether it got as far as live, for how long (ms), and why it ended. */
interface ConnectionEnd {
  wasLive: boolean;
  liveForMs: number;
  reason: string;
  /** The router refused the token (4401): stop instead of reconnecting. */
  signedOut?: boolean;
}

/**
 * Watches one customer until `stop()`: connects, subscribes, reads `myPage`; when the connection
 * ends for any reason (closed, lost, a subscription failed or ended, no pong) it waits the backoff
 * and connects again with the newest notification cursor.
 */
class LiveSession {
  private stopped = false;
  private readonly cursor = new NotificationCursor();
  private endCurrent: (() => void) | undefined;
  private wake: (() => void) | undefined;
  private readonly reads = new AbortController();

  constructor(
    private readonly token: string,
    private readonly view: View,
  ) {}

  /** Runs the connect/reconnect loop until `stop()`. */
  async run(): Promise<void> {
    let attempt = 0;
    let everLive = false;
    while (!this.stopped) {
      this.view.setState(everLive || attempt > 0 ? 'reconnecting' : 'connecting', attempt > 0 ? `attempt ${attempt + 1}` : '');
      const end = await this.connectOnce();
      if (this.stopped) return;
      if (end.signedOut) {
        this.view.setState('offline', end.reason);
        this.view.setProblem(`signed out: ${end.reason}. Paste a new token.`);
        sessionStorage.removeItem(TOKEN_KEY);
        return;
      }
      everLive ||= end.wasLive;
      if (end.liveForMs >= STABLE_AFTER_MS) attempt = 0;
      const delay = backoffMs(attempt);
      attempt += 1;
      this.view.setState(navigator.onLine ? 'reconnecting' : 'offline', `${end.reason}; retrying in ${(delay / 1000).toFixed(1)} s`);
      await this.pause(delay);
    }
  }

  /** Ends the current connection and the loop; late answers are ignored. */
  stop(): void {
    this.stopped = true;
    this.reads.abort();
    this.endCurrent?.();
    this.wake?.();
  }

  /** The browser says the network is back: retry now instead of waiting out the backoff. */
  retryNow(): void {
    this.wake?.();
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }

  /** One WebSocket connection with both subscriptions; resolves when it has ended (and is closed). */
  private connectOnce(): Promise<ConnectionEnd> {
    return new Promise((resolve) => {
      let liveSince: number | undefined;
      let ended = false;
      let pongTimer: ReturnType<typeof setTimeout> | undefined;
      let rereadTimer: ReturnType<typeof setTimeout> | undefined;
      const client: Client = graphqlWs.createClient({
        url: graphqlWsUrl,
        connectionParams: { authorization: `Bearer ${this.token}` },
        lazy: true,
        retryAttempts: 0, // this loop reconnects, with fresh subscription variables
        shouldRetry: () => false,
        keepAlive: PING_EVERY_MS,
        on: {
          connected: () => {
            if (ended) return;
            liveSince = Date.now();
            this.view.setState('live');
            this.view.setProblem('');
            // The subscriptions go out right after the ack; then read the rows (subscribe first, then query).
            setTimeout(() => void this.readMyPage(), 0);
            rereadTimer = setTimeout(() => void this.readMyPage(), SETTLE_REREAD_MS);
          },
          ping: (received) => {
            if (!received) pongTimer = setTimeout(() => end('no answer to ping'), PONG_WITHIN_MS);
          },
          pong: (received) => {
            if (received) clearTimeout(pongTimer);
          },
          closed: (event) => end(describeClose(event), true, (event as { code?: number }).code === UNAUTHORIZED),
        },
      });
      const end = (reason: string, closed = false, signedOut = false) => {
        if (ended) return;
        ended = true;
        this.endCurrent = undefined;
        clearTimeout(pongTimer);
        clearTimeout(rereadTimer);
        disposeMyPage();
        disposeNotifications();
        Promise.resolve(client.dispose()).catch(() => undefined); // no retry by the client, even after a 1000 close
        if (!closed) client.terminate(); // closes the socket now, whatever state it is in
        resolve({ wasLive: liveSince !== undefined, liveForMs: liveSince === undefined ? 0 : Date.now() - liveSince, reason, signedOut });
      };
      this.endCurrent = () => end('stopped');

      const disposeMyPage = client.subscribe<{ myPageUpdated: BookingRow }>(
        { query: MY_PAGE_UPDATED },
        {
          next: (result) => {
            if (ended) return;
            this.reportErrors('my page', result);
            if (result.data?.myPageUpdated) this.view.upsertRow(result.data.myPageUpdated, true);
          },
          error: (error) => this.subscriptionFailed(end, 'my page', error),
          complete: () => end('the router ended the my-page subscription'),
        },
      );
      // Built now, for this connection: resumes after the newest notification shown so far.
      const disposeNotifications = client.subscribe<{ notificationAdded: NotificationItem }>(
        { query: NOTIFICATION_ADDED, variables: { after: this.cursor.after } },
        {
          next: (result) => {
            if (ended) return;
            this.reportErrors('notifications', result);
            const notification = result.data?.notificationAdded;
            if (notification && this.cursor.accept(notification.id)) this.view.addNotification(notification);
          },
          error: (error) => this.subscriptionFailed(end, 'notifications', error),
          complete: () => end('the router ended the notification subscription'),
        },
      );
    });
  }

  /** A subscription's error: a GraphQL error list is shown as a problem; a close is the connection's end. */
  private subscriptionFailed(end: (reason: string, closed?: boolean, signedOut?: boolean) => void, what: string, error: unknown): void {
    if (Array.isArray(error)) {
      const message = `${what}: ${describeError(error)}`;
      this.view.setProblem(message);
      end(message);
    } else {
      end(describeClose(error), false, (error as { code?: number } | null)?.code === UNAUTHORIZED);
    }
  }

  private reportErrors(what: string, result: FormattedExecutionResult<unknown, unknown>): void {
    if (result.errors?.length) this.view.setProblem(`${what}: ${describeError(result.errors)}`);
  }

  /** Reads every row over HTTP and merges it (the newer `updatedAt` wins, so nothing pushed meanwhile is lost). */
  private async readMyPage(): Promise<void> {
    try {
      const response = await fetch(graphqlHttpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${this.token}` },
        body: JSON.stringify({ query: MY_PAGE }),
        signal: this.reads.signal,
      });
      const result = (await response.json()) as FormattedExecutionResult<{ myPage: BookingRow[] }>;
      if (this.stopped) return;
      this.reportErrors('my page', result);
      for (const row of result.data?.myPage ?? []) this.view.upsertRow(row, false);
    } catch (error) {
      if (!this.stopped) this.view.setProblem(`my page: ${describeError(error)} (read again after reconnecting)`);
    }
  }
}

// --- wiring ------------------------------------------------------------------------------------------

const view = new View();
const form = byId<HTMLFormElement>('customer-form');
const input = byId<HTMLInputElement>('access-token');
const signedInAs = byId<HTMLElement>('signed-in-as');
let session: LiveSession | undefined;

/** The `sub` claim of a JWT, for display only (the router verifies the token), or undefined when unreadable. */
function subjectOf(token: string): string | undefined {
  try {
    const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: unknown };
    return typeof payload.sub === 'string' ? payload.sub : undefined;
  } catch {
    return undefined;
  }
}

function watch(token: string): void {
  session?.stop();
  view.clear();
  view.setProblem('');
  const customerId = subjectOf(token) ?? 'unknown';
  signedInAs.textContent = `as ${customerId}`;
  const current = new LiveSession(token, view);
  session = current;
  current.run().catch((error: unknown) => {
    view.setState('offline');
    view.setProblem(`stopped: ${describeError(error)} (reload the page)`);
  });
  document.title = `Live bookings · ${customerId}`;
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const token = input.value.trim().replace(/^Bearer\s+/i, '');
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  input.value = '';
  watch(token);
});
window.addEventListener('online', () => session?.retryNow());

const remembered = sessionStorage.getItem(TOKEN_KEY);
if (remembered) watch(remembered);
