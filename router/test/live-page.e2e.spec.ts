import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StackHandle } from '@supergraph/stack';
import { ARTIFACTS_DIR, bearer, gqlData, PolyglotStack, startPolyglotStack, tcpProxy, TcpProxy, waitFor } from '@supergraph/testing';
import { BrowserContext, chromium, Page } from 'playwright-core';

jest.setTimeout(180_000);

/** Debian's Chromium (`apt-get install -y chromium`; `.ci/run browser` installs it), or `CHROMIUM_PATH`. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage', // containers' /dev/shm is often 64 MB
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * The live page (`/live`) in a real browser: every process of the stack on the polyglot profile, the
 * page opened in Chromium through a TCP proxy the test can cut. Bookings made over HTTP show up as a
 * my-page row (with fields of the booking, ticket and payment subgraphs) and a notification; a
 * booking made while the page's connection is cut shows up exactly once after it is restored.
 * Leaves `artifacts/live-page.png` (the page at the end, also after a failure) and the processes' log.
 */
describe('live page served by the router (Chromium, real processes)', () => {
  let live: PolyglotStack;
  let profileDir: string;
  let stack: StackHandle;
  let url: string;
  let proxy: TcpProxy;
  let browser: BrowserContext;
  let page: Page | undefined;
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's with \`apt-get install -y chromium\` (or run \`.ci/run browser\`), or point CHROMIUM_PATH at a Chromium binary`);
    }
    live = await startPolyglotStack('live-page');
    ({ stack, url } = live);
    proxy = await tcpProxy(stack.ports.router);
    profileDir = mkdtempSync(join(tmpdir(), 'e2e-live-chromium-'));
    browser = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, viewport: { width: 1200, height: 800 } });
  });

  afterAll(async () => {
    if (page) {
      mkdirSync(ARTIFACTS_DIR, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'live-page.png'), fullPage: true }).catch(() => undefined);
    }
    await browser?.close();
    await proxy?.close();
    await live?.stop();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  it('serves the page, its code and the graphql-ws client with their content types, always revalidated', async () => {
    const origin = url.replace(/\/graphql$/, '');
    const expected: [string, RegExp][] = [
      ['/live', /^text\/html; charset=utf-8$/],
      ['/live/app.js', /^text\/javascript; charset=utf-8$/],
      ['/live/model.js', /^text\/javascript; charset=utf-8$/],
      ['/live/graphql-ws.js', /^text\/javascript; charset=utf-8$/],
      ['/live/styles.css', /^text\/css; charset=utf-8$/],
    ];
    for (const [path, contentType] of expected) {
      const response = await fetch(origin + path);
      expect([path, response.status, response.headers.get('content-type'), response.headers.get('cache-control')]).toEqual([path, 200, expect.stringMatching(contentType), 'no-cache']);
      await response.body?.cancel();
    }
    expect(await (await fetch(`${origin}/live/graphql-ws.js`)).text()).toContain('graphqlWs');
    expect((await fetch(`${origin}/live/missing.js`)).status).toBe(404);
  });

  it('shows bookings and notifications live, and after a cut connection resumes with each missed notification exactly once', async () => {
    const customer = 'lina';
    const ticket = (await gqlData(url, 'mutation($input: RegisterTicketInput!) { registerTicket(input: $input) { id } }', { input: { title: 'Live Night', venue: 'Seoul Arts Center', price: 30_000, seats: 10 } }, await bearer('org-live', 'organizer'))).registerTicket;
    await waitFor('the ticket to be bookable', async () => (await gqlData(url, 'query($id: ID!) { ticket(id: $id) { seatsLeft } }', { id: ticket.id })).ticket.seatsLeft === 10);
    const book = async (): Promise<string> => (await gqlData(url, 'mutation($input: BookTicketInput!) { bookTicket(input: $input) { id } }', { input: { ticketId: ticket.id, quantity: 1 } }, await bearer(customer))).bookTicket.id;
    type Stored = { id: string; kind: string; correlationId: string };
    const stored = async (): Promise<Stored[]> => (await gqlData(url, '{ notifications(first: 200) { id kind correlationId } }', {}, await bearer(customer))).notifications;
    const storedNotice = (kind: string, bookingId: string) => waitFor(`${kind} of ${bookingId} stored`, async () => (await stored()).find((n) => n.kind === kind && n.correlationId === bookingId));

    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    // Every `myPage` read the page makes over HTTP: a row that appears without one was pushed.
    let myPageReads = 0;
    page.on('request', (request) => {
      if (request.method() === 'POST' && (request.postData() ?? '').includes('myPage')) myPageReads += 1;
    });
    // Every connection state the page shows, in order (it must not drop out of `live` by itself).
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { connectionStates: () => string[] }).connectionStates = () =>
        [...seen, document.getElementById('connection')?.dataset.state ?? 'none'].filter((state, i, all) => state !== all[i - 1]);
      document.addEventListener('DOMContentLoaded', () => {
        const observer = new MutationObserver((records) => records.forEach((record) => seen.push(record.oldValue ?? 'none')));
        observer.observe(document.getElementById('connection')!, { attributes: true, attributeFilter: ['data-state'], attributeOldValue: true });
      });
    });
    const state = () => page!.getAttribute('#connection', 'data-state');
    const states = () => page!.evaluate(() => (window as unknown as { connectionStates: () => string[] }).connectionStates());
    const shownIds = () => page!.$$eval('[data-notification-id]', (items) => items.map((item) => (item as HTMLElement).dataset.notificationId!));
    const count = (selector: string) => page!.locator(selector).count();
    const row = (bookingId: string) =>
      page!.$eval(`tr[data-booking-id="${bookingId}"]`, (tr) => ({
        booking: (tr as HTMLElement).dataset.bookingStatus,
        payment: (tr as HTMLElement).dataset.paymentStatus,
        cells: Array.from(tr.querySelectorAll('td'), (td) => td.textContent),
      }));

    await page.goto(`http://127.0.0.1:${proxy.port}/live`);
    // Signs in with a customer token as a user would: pasted into the form (kept in sessionStorage, never in the URL).
    await page.fill('#access-token', (await bearer(customer)).authorization.replace(/^Bearer /, ''));
    await page.click('#customer-form button[type="submit"]');
    expect(await page.textContent('#signed-in-as')).toBe(`as ${customer}`);
    expect(page.url()).not.toMatch(/eyJ/);
    await waitFor('the page to be live', async () => (await state()) === 'live', 10_000);
    const firstLive = (await states()).length - 1;
    // It reads my page at once and once more a moment later (the seam); after that, rows only come pushed.
    await waitFor('the page’s two reads of my page', () => myPageReads >= 2);
    const readsBeforeBooking = myPageReads;

    // A booking over HTTP: its row (with the payment, and venue and seats from other subgraphs) and its notices appear.
    const first = await book();
    await waitFor('the first booking’s row with its payment', async () => {
      const shown = await count(`tr[data-booking-id="${first}"]`) ? await row(first) : undefined;
      return shown?.payment === 'APPROVED' ? shown : undefined;
    });
    expect(await row(first)).toEqual({ booking: 'BOOKED', payment: 'APPROVED', cells: ['Live Night', 'Seoul Arts Center', '1', '30,000', 'BOOKED', 'APPROVED', '9', expect.any(String)] });
    const firstBooked = await storedNotice('TicketBooked', first);
    await waitFor('the first TicketBooked notification on the page', async () => (await count(`[data-notification-id="${firstBooked.id}"][data-kind="TicketBooked"]`)) === 1);
    const firstApproved = await storedNotice('PaymentApproved', first);
    await waitFor('the first PaymentApproved notification on the page', async () => (await count(`[data-notification-id="${firstApproved.id}"]`)) === 1);
    const beforeCut = await shownIds();
    expect(myPageReads).toBe(readsBeforeBooking); // the row and its payment update were pushed, not read
    expect((await states()).slice(firstLive)).toEqual(['live']); // stayed live the whole time

    // Cut the page's connection; book while it is cut.
    proxy.cut();
    await waitFor('the page to notice the cut', async () => ['reconnecting', 'offline'].includes((await state()) ?? ''), 10_000);
    const second = await book();
    const secondBooked = await storedNotice('TicketBooked', second);
    const secondApproved = await storedNotice('PaymentApproved', second);
    expect(await count(`[data-notification-id="${secondBooked.id}"]`)).toBe(0);
    expect(['reconnecting', 'offline']).toContain(await state());

    // Restore: live again, the missed notices exactly once, nothing earlier repeated, the new row read again.
    proxy.restore();
    await waitFor('the page to be live again', async () => (await state()) === 'live', 15_000);
    const liveAgain = (await states()).length - 1;
    await waitFor('the missed notifications on the page', async () => (await count(`[data-notification-id="${secondApproved.id}"]`)) === 1);
    await waitFor('the second booking’s row with its payment', async () => (await count(`tr[data-booking-id="${second}"]`)) > 0 && (await row(second)).payment === 'APPROVED');
    expect(await count(`[data-notification-id="${secondBooked.id}"][data-kind="TicketBooked"]`)).toBe(1);
    expect(await count('[data-kind="TicketBooked"]')).toBe(2);
    const shown = await shownIds();
    expect(new Set(shown).size).toBe(shown.length);
    for (const id of beforeCut) expect(shown.filter((s) => s === id)).toHaveLength(1);
    expect([...shown].reverse()).toEqual((await stored()).map((n) => n.id)); // every stored one, once, in order
    expect(await row(second)).toMatchObject({ booking: 'BOOKED', payment: 'APPROVED', cells: ['Live Night', 'Seoul Arts Center', '1', '30,000', 'BOOKED', 'APPROVED', '8', expect.any(String)] });

    expect((await states()).slice(liveAgain)).toEqual(['live']);
    expect(await page.isHidden('#problem')).toBe(true);
    expect(pageErrors).toEqual([]);
    // The browser logs its failed connection attempts while the proxy refuses them; nothing else may be logged as an error.
    expect(consoleErrors.filter((text) => !/WebSocket connection to .* failed|Failed to load resource: net::ERR_/.test(text))).toEqual([]);
  });
  it('stops and asks for a new token when the router refuses it (close 4401), without retrying', async () => {
    const refused = await browser.newPage();
    try {
      await refused.goto(`http://127.0.0.1:${proxy.port}/live`);
      const expiresSoon = (await bearer('nina', 'customer', 2)).authorization.replace(/^Bearer /, '');
      await refused.fill('#access-token', expiresSoon);
      await refused.click('#customer-form button[type="submit"]');
      await waitFor('the page to go live with the short-lived token', async () => (await refused.getAttribute('#connection', 'data-state')) === 'live', 10_000);
      await waitFor('the page to stop when the token expires', async () => (await refused.getAttribute('#connection', 'data-state')) === 'offline', 15_000);
      expect(await refused.textContent('#problem')).toMatch(/signed out: .*token expired.*Paste a new token/);
      expect(await refused.evaluate(() => sessionStorage.getItem('live.token'))).toBeNull();
      await new Promise((resolve) => setTimeout(resolve, 1500)); // a retry would show `reconnecting`
      expect(await refused.getAttribute('#connection', 'data-state')).toBe('offline');
    } finally {
      await refused.close();
    }
  });
});
