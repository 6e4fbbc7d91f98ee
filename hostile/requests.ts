import { CALLER_HEADER, Role } from '@supergraph/kernel';
import { Random } from './random';
import type { Credentials } from './tokens';

/** One request the suite sends, as generated. */
export interface PlannedRequest {
  /** What kind of hostile input it is (`malformed-json`, `alias-bomb`, …) or `valid-*`. */
  category: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** A valid mutation of the known set: counted by how it ended. */
  valid?: 'register' | 'book' | 'cancel';
  /** The customer a valid `book` is for (its booking may be canceled later). */
  subject?: string;
  /** A call straight to a subgraph port: must be 401 whatever it carries. */
  direct?: boolean;
}

/** What the generator knows of the running system: where to send, who exists, what was booked. */
export interface World {
  routerUrl: string;
  /** GraphQL URL of every subgraph, by name. */
  subgraphUrls: Record<string, string>;
  credentials: Credentials;
  /** Customers (`c0`…) with good tokens. */
  customers: readonly string[];
  /** The organizer who registered `ticketIds` (valid registrations are theirs too). */
  organizer: string;
  /** Another organizer, who owns none of `ticketIds`. */
  otherOrganizer: string;
  /** Tickets on sale with plenty of seats. */
  ticketIds: readonly string[];
  /** Bookings made by valid requests so far, not yet canceled: id → customer. */
  openBookings: Map<string, string>;
}

/** The operations the generator sends (with the variables it then spoils). */
export const OPS = {
  tickets: 'query($s: String, $n: Int, $a: String, $o: ID, $sale: Boolean) { tickets(search: $s, first: $n, after: $a, organizerId: $o, onSaleOnly: $sale) { totalCount edges { cursor node { id title venue price seatsLeft } } pageInfo { hasNextPage endCursor } } }',
  ticket: 'query($id: ID!) { ticket(id: $id) { id title venue price seats seatsLeft status } }',
  booking: 'query($id: ID!) { booking(id: $id) { id status customerId amount payment { status } } }',
  bookings: 'query($c: ID, $t: ID) { bookings(customerId: $c, ticketId: $t) { id status customerId } }',
  myPage: 'query($c: ID) { myPage(customerId: $c) { bookingId ticketTitle bookingStatus customerId } }',
  organizerPage: 'query($o: ID) { organizerPage(organizerId: $o) { bookingId customerId organizerId } }',
  notifications: 'query($r: ID, $a: ID, $n: Int) { notifications(recipientId: $r, after: $a, first: $n) { id kind message recipientId } }',
  payment: 'query($id: ID!) { payment(id: $id) { id status amount } }',
  book: 'mutation($i: BookTicketInput!) { bookTicket(input: $i) { id status amount } }',
  cancel: 'mutation($id: ID!) { cancelBooking(id: $id) { id status } }',
  register: 'mutation($i: RegisterTicketInput!) { registerTicket(input: $i) { id title } }',
  deleteTicket: 'mutation($id: ID!) { deleteTicket(id: $id) { id status } }',
} as const;

type OpName = keyof typeof OPS;

/** Strings that look like attacks: SQL, NoSQL, templates, path traversal, markup, unicode oddities, NUL. */
export const NASTY_STRINGS: readonly string[] = [
  "' OR '1'='1",
  "'; DROP TABLE ticket; --",
  '" OR ""="',
  "1; SELECT pg_sleep(10)--",
  "1' AND SLEEP(10)#",
  "admin'--",
  '%',
  '_',
  "\\'; DELETE FROM booking; --",
  '{"$gt": ""}',
  '{"$where": "sleep(1000)"}',
  '[$ne]=1',
  '${7*7}',
  '{{7*7}}',
  '#{7*7}',
  '<%= 7*7 %>',
  '${jndi:ldap://127.0.0.1:1/a}',
  '../../../../etc/passwd',
  '..\\..\\..\\windows\\win.ini',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '/dev/zero',
  '\u0000',
  'a\u0000b',
  '\u202Eevil\u202C',
  '\uFEFF',
  '\uD800',
  '\uDFFF\uD800',
  'e\u0301\u0301\u0301\u0301',
  'İİİİİİİİİİ',
  '𝕳𝖔𝖘𝖙𝖎𝖑𝖊 🎟️',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '\r\nSet-Cookie: x=1',
  '%s%s%s%s%n',
  'null',
  'undefined',
  'NaN',
  '-0',
  '1e309',
  '0x7fffffff',
  '',
  ' ',
  '\t\n',
  '__proto__',
  'constructor',
  '{"__proto__": {"admin": true}}',
];

/** Values that are not what a numeric argument wants: negative, zero, overflowing (2^31, 2^53), fractions, NaN-ish strings, other types. */
export const NASTY_NUMBERS: readonly unknown[] = [
  -1, 0, -2147483648, 2147483647, 2147483648, -2147483649, 2 ** 53, 2 ** 53 + 1, -(2 ** 53), 1.5, 0.1, 1e308, -1e308, 1e21,
  'NaN', 'Infinity', '-Infinity', '1e309', '12abc', '1', '', null, true, false, [], [1], {}, { valueOf: 1 }, '0x10', '٣',
];

/** Values that are not what an ID or String argument wants. */
const WRONG_TYPES: readonly unknown[] = [42, -1, 1.5, true, false, null, [], ['a', 'b'], {}, { id: 'x' }, { $gt: '' }, 2 ** 53 + 1];

/** Raw bodies that are not JSON, or not a GraphQL request. */
const MALFORMED_BODIES: readonly string[] = [
  '',
  '{',
  '}',
  '{"query": "{ __typename',
  '{"query": "{ __typename }",}',
  "{'query': '{ __typename }'}",
  '{"query": "{ __typename }" "variables": {}}',
  '{"query": {"$gt": ""}}',
  '{"query": null}',
  '{"query": ""}',
  '{"query": 42}',
  '{"query": ["{ __typename }"]}',
  '{"query": "{ __typename }", "variables": "not-an-object"}',
  '{"query": "{ __typename }", "variables": [1, 2]}',
  '{"query": "{ __typename }", "operationName": 7}',
  '{"query": "{ __typename }", "extensions": "x"}',
  '{"query": "query($n: Int) { tickets(first: $n) { totalCount } }", "variables": {"n": NaN}}',
  '{"query": "query($n: Int) { tickets(first: $n) { totalCount } }", "variables": {"n": Infinity}}',
  '{"query": "query($n: Int) { tickets(first: $n) { totalCount } }", "variables": {"n": 1e400}}',
  '{"query": "query($n: Int) { tickets(first: $n) { totalCount } }", "variables": {"n": 99999999999999999999999}}',
  '{"query": "query($n: Int) { tickets(first: $n) { totalCount } }", "variables": {"n": -0}}',
  '{"query": "query($n: Int) { tickets(first: $n) { totalCount } }", "variables": {"n": 0x10}}',
  '{"query": "{ __typename }"}garbage',
  '\u0000\u0000\u0000',
  '\uFEFF{"query": "{ __typename }"}',
  'null',
  'true',
  '42',
  '"{ __typename }"',
  '[]',
  '[[]]',
  '{"__proto__": {"query": "{ __typename }"}}',
  '{"constructor": {"prototype": {"isAdmin": true}}, "query": "{ __typename }"}',
  `{"query": "{ __typename }", "variables": ${'['.repeat(5000)}${']'.repeat(5000)}}`,
  `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`,
];

/** A selection `levels` fields deep through Ticket.bookings ↔ Booking.ticket. */
function deepSelection(levels: number): string {
  let selection = 'id';
  for (let i = levels - 1; i >= 0; i -= 1) selection = i % 2 === 0 ? `bookings { ${selection} }` : `ticket { ${selection} }`;
  return selection;
}

/**
 * Generates one request: with probability `validShare` a valid mutation of the known set
 * (`registerTicket` by the organizer, `bookTicket` by a customer, `cancelBooking` of one of the
 * customer's open bookings), else one hostile request of a weighted category. Deterministic for
 * a given `random` state and `world` (the booking ids to cancel come from earlier answers).
 */
export function generate(random: Random, world: World, validShare: number): PlannedRequest {
  if (random.chance(validShare)) return validRequest(random, world);
  const category = random.weighted(CATEGORY_WEIGHTS);
  return GENERATORS[category](random, world);
}

const CATEGORY_WEIGHTS = {
  'malformed-json': 8,
  'batched-array': 3,
  'wrong-types': 10,
  'huge-strings': 4,
  'nasty-numbers': 9,
  'deep-nesting': 4,
  'alias-bomb': 4,
  'query-bomb': 4,
  'unknown-fields': 6,
  injection: 12,
  'bad-token': 10,
  'bad-claims': 4,
  'wrong-role-or-owner': 8,
  'get-mutation': 3,
  'csrf-simple-request': 2,
  'http-methods': 1,
  'subscription-over-http': 1,
  'direct-subgraph': 6,
  'persisted-query': 1,
  'operation-name': 2,
} as const;

type Category = keyof typeof CATEGORY_WEIGHTS;

const json = { 'content-type': 'application/json' };

/** A POST of `query` and `variables` to the router with `authorization` (none when undefined). */
function post(world: World, category: string, query: string, variables: unknown, authorization?: string, extra: Record<string, unknown> = {}): PlannedRequest {
  const headers: Record<string, string> = { ...json };
  if (authorization !== undefined) headers.authorization = authorization;
  return { category, url: world.routerUrl, method: 'POST', headers, body: JSON.stringify({ query, variables, ...extra }) };
}

/** A good token of someone, or none (anonymous), at random. */
function anyone(random: Random, world: World): string | undefined {
  const roll = random.int(0, 3);
  if (roll === 0) return undefined;
  if (roll === 1) return world.credentials.bearer(world.organizer, 'organizer');
  if (roll === 2) return world.credentials.bearer('root', 'admin');
  return world.credentials.bearer(random.pick(world.customers), 'customer');
}

const customerToken = (random: Random, world: World) => {
  const customer = random.pick(world.customers);
  return { customer, authorization: world.credentials.bearer(customer, 'customer') };
};

function validRequest(random: Random, world: World): PlannedRequest {
  const kind = random.weighted({ book: 6, cancel: world.openBookings.size > 0 ? 2 : 0, register: 1 });
  if (kind === 'register') {
    const input = { title: `Hostile Night ${random.string(6)}`, venue: 'Fuzz Hall', price: random.int(1, 50) * 1000, seats: random.int(10, 1000) };
    return { ...post(world, 'valid-register', OPS.register, { i: input }, world.credentials.bearer(world.organizer, 'organizer')), valid: 'register' };
  }
  if (kind === 'cancel') {
    const [bookingId, customer] = random.pick([...world.openBookings]);
    world.openBookings.delete(bookingId); // one cancel per booking
    return { ...post(world, 'valid-cancel', OPS.cancel, { id: bookingId }, world.credentials.bearer(customer, 'customer')), valid: 'cancel' };
  }
  const { customer, authorization } = customerToken(random, world);
  return { ...post(world, 'valid-book', OPS.book, { i: { ticketId: random.pick(world.ticketIds), quantity: random.int(1, 2) } }, authorization), valid: 'book', subject: customer };
}

/** Variables of `op` with one value spoiled by `spoil`. */
function spoiledVariables(random: Random, world: World, op: OpName, spoil: () => unknown): Record<string, unknown> {
  const ticketId = random.pick(world.ticketIds);
  switch (op) {
    case 'tickets':
      return random.pick([{ s: spoil() }, { n: spoil() }, { a: spoil() }, { o: spoil() }, { sale: spoil() }]);
    case 'bookings':
      return random.pick([{ c: spoil() }, { t: spoil() }, { c: spoil(), t: spoil() }]);
    case 'myPage':
      return { c: spoil() };
    case 'organizerPage':
      return { o: spoil() };
    case 'notifications':
      return random.pick([{ r: spoil() }, { a: spoil() }, { n: spoil() }]);
    case 'book':
      return random.pick([{ i: { ticketId: spoil(), quantity: 1 } }, { i: { ticketId, quantity: spoil() } }, { i: { ticketId, quantity: 1, customerId: spoil() } }, { i: spoil() }]);
    case 'register':
      return {
        i: random.pick([
          { title: spoil(), venue: 'V', price: 1000, seats: 10 },
          { title: 'T', venue: spoil(), price: 1000, seats: 10 },
          { title: 'T', venue: 'V', price: spoil(), seats: 10 },
          { title: 'T', venue: 'V', price: 1000, seats: spoil() },
          { title: 'T', venue: 'V', price: 1000, seats: 10, saleStartsAt: spoil() },
          { title: 'T', venue: 'V', price: 1000, seats: 10, organizerId: spoil() },
        ]),
      };
    default:
      return { id: spoil() };
  }
}

const QUERY_OPS: OpName[] = ['tickets', 'ticket', 'booking', 'bookings', 'myPage', 'organizerPage', 'notifications', 'payment'];
const MUTATION_OPS: OpName[] = ['book', 'cancel', 'register', 'deleteTicket'];

/**
 * Who sends a spoiled mutation: never the owner of the setup tickets for `deleteTicket` (a
 * deletion that succeeded would cancel every valid booking), anyone for the rest.
 */
function senderOf(random: Random, world: World, op: OpName): string | undefined {
  if (op === 'deleteTicket') return random.pick([undefined, world.credentials.bearer(world.otherOrganizer, 'organizer'), customerToken(random, world).authorization]);
  if (op === 'register') return random.pick([world.credentials.bearer(world.organizer, 'organizer'), anyone(random, world)]);
  if (op === 'book' || op === 'cancel') return random.pick([customerToken(random, world).authorization, anyone(random, world)]);
  return anyone(random, world);
}

const GENERATORS: Record<Category, (random: Random, world: World) => PlannedRequest> = {
  'malformed-json': (random, world) => {
    const contentType = random.pick(['application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'application/graphql-response+json']);
    return { category: 'malformed-json', url: world.routerUrl, method: 'POST', headers: { 'content-type': contentType }, body: random.pick(MALFORMED_BODIES) };
  },

  'batched-array': (random, world) => {
    const ops = Array.from({ length: random.int(2, 50) }, () => ({ query: OPS[random.pick(QUERY_OPS)], variables: { id: 'x' } }));
    return { category: 'batched-array', url: world.routerUrl, method: 'POST', headers: { ...json }, body: JSON.stringify(ops) };
  },

  'wrong-types': (random, world) => {
    const op = random.pick([...QUERY_OPS, ...MUTATION_OPS]);
    return post(world, 'wrong-types', OPS[op], spoiledVariables(random, world, op, () => random.pick(WRONG_TYPES)), senderOf(random, world, op));
  },

  'huge-strings': (random, world) => {
    const size = random.pick([10_000, 100_000, 500_000, 1_100_000, 2_000_000]);
    const huge = random.string(64).repeat(Math.ceil(size / 64)).slice(0, size);
    const op = random.pick(['tickets', 'ticket', 'book', 'register'] as OpName[]);
    if (random.chance(0.2)) return post(world, 'huge-strings', `{ ticket(id: "${huge.slice(0, 200_000)}") { id } }`, {}, anyone(random, world));
    return post(world, 'huge-strings', OPS[op], spoiledVariables(random, world, op, () => huge), senderOf(random, world, op));
  },

  'nasty-numbers': (random, world) => {
    const op = random.pick(['tickets', 'notifications', 'book', 'register'] as OpName[]);
    const spoil = () => random.pick(NASTY_NUMBERS);
    const variables =
      op === 'tickets' ? { n: spoil() } : op === 'notifications' ? { n: spoil() } : op === 'book' ? { i: { ticketId: random.pick(world.ticketIds), quantity: spoil() } } : spoiledVariables(random, world, 'register', spoil);
    if (random.chance(0.2)) {
      // Literals in the document rather than variables: the parser and Int coercion see them.
      const literal = random.pick(['2147483648', '-2147483649', '9007199254740993', '1e309', '-0', '0.5', '00', '1_000', 'NaN', '"1"']);
      return post(world, 'nasty-numbers', `mutation { bookTicket(input: { ticketId: "${random.pick(world.ticketIds)}", quantity: ${literal} }) { id } }`, {}, customerToken(random, world).authorization);
    }
    return post(world, 'nasty-numbers', OPS[op], variables, senderOf(random, world, op));
  },

  'deep-nesting': (random, world) => {
    const levels = random.pick([12, 20, 50, 200, 1000]);
    if (random.chance(0.3)) {
      // Deep nesting in the variables instead: an input object nested thousands of levels.
      let nested: unknown = 'x';
      for (let i = 0; i < random.pick([100, 1000, 5000]); i += 1) nested = { ticketId: nested };
      return post(world, 'deep-nesting', OPS.book, { i: nested }, customerToken(random, world).authorization);
    }
    return post(world, 'deep-nesting', `{ ticket(id: "${random.pick(world.ticketIds)}") { ${deepSelection(levels)} } }`, {}, anyone(random, world));
  },

  'alias-bomb': (random, world) => {
    const count = random.pick([16, 100, 1000, 5000]);
    const field = random.pick(['ticket(id: "t") { id }', '__typename', 'tickets(first: 100) { totalCount }', 'bookTicket(input: { ticketId: "t", quantity: 1 }) { id }']);
    const keyword = field.startsWith('bookTicket') ? 'mutation' : 'query';
    return post(world, 'alias-bomb', `${keyword} { ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }`, {}, anyone(random, world));
  },

  'query-bomb': (random, world) => {
    const kind = random.pick(['fields', 'directives', 'fragment-cycle', 'fragment-fanout', 'tokens', 'variables', 'cost']);
    let query: string;
    if (kind === 'fields') query = `{ ${'__typename '.repeat(random.pick([1000, 10_000, 60_000]))}}`;
    else if (kind === 'directives') query = `{ __typename ${'@include(if: true) '.repeat(random.pick([21, 500, 5000]))}}`;
    else if (kind === 'fragment-cycle') query = '{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }';
    else if (kind === 'fragment-fanout') {
      const fragments = Array.from({ length: 12 }, (_, i) => `fragment F${i} on Query { ${i === 11 ? '__typename' : `...F${i + 1} ...F${i + 1}`} }`);
      query = `{ ...F0 } ${fragments.join(' ')}`;
    } else if (kind === 'tokens') query = `{ tickets(search: ${'"x" '.repeat(random.pick([2001, 50_000]))}) { totalCount } }`;
    else if (kind === 'variables') query = `query(${Array.from({ length: random.pick([100, 3000]), }, (_, i) => `$v${i}: String`).join(', ')}) { __typename }`;
    else query = `{ tickets(first: 100) { edges { node { ${Array.from({ length: 40 }, (_, i) => `b${i}: bookings { payment { id amount status } ticket { id title } }`).join(' ')} } } } }`;
    return post(world, 'query-bomb', query, {}, anyone(random, world));
  },

  'unknown-fields': (random, world) => {
    const query = random.pick([
      '{ tickets { edges { node { secretField } } } }',
      '{ ticket(id: "t", admin: true) { id } }',
      '{ approvePayment(input: { bookingId: "b", customerId: "c", amount: 1 }) { id } }',
      'mutation { approvePayment(input: { bookingId: "b", customerId: "c", amount: 1 }) { id } }',
      '{ _entities(representations: [{ __typename: "Booking", id: "b" }]) { ... on Booking { id } } }',
      '{ _service { sdl } }',
      '{ __type(name: "ApprovePaymentInput") { name } }',
      'mutation { bookTicket(input: { ticketId: "t", quantity: 1, price: 0 }) { id } }',
      'query { tickets { totalCount } } mutation { cancelBooking(id: "b") { id } }',
      '{ ticket(id: "t") { ... on Booking { id } } }',
      '{ ticket(id: "t") { id } ',
      '{ ticket(id: "t") { id } } }',
      'query Q($x: Unknown) { __typename }',
      'subscription { unknownEvent }',
      '{ tickets(first: 5) { edges { node { id bookings { customerId amount payment { id } } } } } }',
      '\u0000{ __typename }',
      '{ __typename } # \u0000 comment',
      '"""unterminated',
    ]);
    return post(world, 'unknown-fields', query, random.chance(0.5) ? {} : { extra: random.pick(NASTY_STRINGS) }, anyone(random, world));
  },

  injection: (random, world) => {
    const op = random.pick([...QUERY_OPS, 'book', 'cancel', 'register', 'deleteTicket'] as OpName[]);
    const nasty = () => random.pick(NASTY_STRINGS);
    if (random.chance(0.15)) {
      // The nasty string as a literal in the document (GraphQL string escapes, as JSON writes them).
      return post(world, 'injection', `{ tickets(search: ${JSON.stringify(nasty())}) { totalCount } ticket(id: ${JSON.stringify(nasty())}) { id } }`, {}, anyone(random, world));
    }
    const request = post(world, 'injection', OPS[op], spoiledVariables(random, world, op, nasty), senderOf(random, world, op));
    // A correlation id the router must replace (never stored); only on queries, which cause no events to trace.
    if (QUERY_OPS.includes(op) && random.chance(0.3)) request.headers['x-correlation-id'] = random.pick(["'; DROP TABLE outbox_message; --", '../../etc/passwd', '${7*7}', 'a'.repeat(500)]);
    if (random.chance(0.1)) request.headers['x-apollo-operation-name'] = "' OR 1=1 --";
    return request;
  },

  'bad-token': (random, world) => {
    const op = random.pick([...QUERY_OPS, ...MUTATION_OPS]);
    const { authorization } = random.pick(world.credentials.badTokens);
    return post(world, 'bad-token', OPS[op], spoiledVariables(random, world, op, () => random.pick(world.ticketIds)), authorization);
  },

  'bad-claims': (random, world) => {
    const op = random.pick([...QUERY_OPS, ...MUTATION_OPS]);
    const { authorization } = random.pick(world.credentials.badClaims);
    const variables = op === 'book' ? { i: { ticketId: random.pick(world.ticketIds), quantity: 1 } } : spoiledVariables(random, world, op, () => random.pick(world.ticketIds));
    return post(world, 'bad-claims', OPS[op], variables, authorization);
  },

  'wrong-role-or-owner': (random, world) => {
    const { customer, authorization } = customerToken(random, world);
    const other = random.pick(world.customers.filter((c) => c !== customer));
    const organizer = world.credentials.bearer(world.organizer, 'organizer');
    const otherOrganizer = world.credentials.bearer(world.otherOrganizer, 'organizer');
    const ticketId = random.pick(world.ticketIds);
    const open = [...world.openBookings].find(([, owner]) => owner !== customer);
    const cases: [string, unknown, string][] = [
      [OPS.register, { i: { title: 'T', venue: 'V', price: 1000, seats: 10 } }, authorization],
      [OPS.book, { i: { ticketId, quantity: 1 } }, organizer],
      [OPS.book, { i: { ticketId, quantity: 1, customerId: other } }, authorization],
      [OPS.deleteTicket, { id: ticketId }, authorization],
      [OPS.deleteTicket, { id: ticketId }, otherOrganizer],
      [OPS.register, { i: { title: 'T', venue: 'V', price: 1000, seats: 10, organizerId: world.organizer } }, otherOrganizer],
      [OPS.myPage, { c: other }, authorization],
      [OPS.bookings, { c: other }, authorization],
      [OPS.notifications, { r: other }, authorization],
      [OPS.organizerPage, { o: world.organizer }, authorization],
      [OPS.organizerPage, { o: world.organizer }, otherOrganizer],
      [OPS.bookings, { t: ticketId }, otherOrganizer],
      ...(open ? ([[OPS.cancel, { id: open[0] }, authorization], [OPS.booking, { id: open[0] }, authorization], [OPS.cancel, { id: open[0] }, organizer]] as [string, unknown, string][]) : []),
    ];
    const [query, variables, token] = random.pick(cases);
    return post(world, 'wrong-role-or-owner', query, variables, token);
  },

  'get-mutation': (random, world) => {
    const op = random.pick(MUTATION_OPS);
    const variables = spoiledVariables(random, world, op, () => random.pick(world.ticketIds));
    const search = new URLSearchParams({ query: OPS[op], variables: JSON.stringify(variables) });
    const headers: Record<string, string> = { 'apollo-require-preflight': 'true' };
    const token = senderOf(random, world, op);
    if (token) headers.authorization = token;
    return { category: 'get-mutation', url: `${world.routerUrl}?${search}`, method: 'GET', headers };
  },

  'csrf-simple-request': (random, world): PlannedRequest => {
    const body = JSON.stringify({ query: OPS.book, variables: { i: { ticketId: random.pick(world.ticketIds), quantity: 1 } } });
    if (random.chance(0.5)) return { category: 'csrf-simple-request', url: world.routerUrl, method: 'POST', headers: { 'content-type': random.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']), authorization: customerToken(random, world).authorization }, body };
    return { category: 'csrf-simple-request', url: `${world.routerUrl}?${new URLSearchParams({ query: OPS.tickets })}`, method: 'GET', headers: {} };
  },

  'http-methods': (random, world) => {
    const method = random.pick(['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);
    const request: PlannedRequest = { category: 'http-methods', url: world.routerUrl, method, headers: { ...json, origin: 'https://evil.example.com' } };
    if (method !== 'HEAD' && random.chance(0.5)) request.body = JSON.stringify({ query: OPS.cancel, variables: { id: 'b' } });
    return request;
  },

  'subscription-over-http': (random, world) => post(world, 'subscription-over-http', 'subscription { notificationAdded { id } }', {}, anyone(random, world)),

  'direct-subgraph': (random, world) => {
    const [name, url] = random.pick(Object.entries(world.subgraphUrls));
    const headers: Record<string, string> = { ...json };
    const roll = random.int(0, 2);
    if (roll === 1) headers[CALLER_HEADER] = random.pick(world.credentials.forgedCallers).value;
    if (roll === 2) headers.authorization = world.credentials.bearer('root', 'admin');
    const query = random.pick([
      '{ _service { sdl } }',
      '{ _entities(representations: [{ __typename: "Booking", id: "b" }]) { ... on Booking { id customerId } } }',
      'mutation { approvePayment(input: { bookingId: "b", customerId: "c0", amount: 1 }) { id } }',
      'mutation { registerTicket(input: { title: "T", venue: "V", price: 1000, seats: 10, organizerId: "org" }) { id } }',
      'mutation { bookTicket(input: { ticketId: "t", customerId: "c0", quantity: 1 }) { id } }',
      '{ __typename }',
    ]);
    return { category: `direct-subgraph`, url, method: 'POST', headers: { ...headers, 'x-target': name }, body: JSON.stringify({ query }), direct: true };
  },

  'persisted-query': (random, world) =>
    post(world, 'persisted-query', random.pick([undefined, '{ __typename }']) as string, {}, anyone(random, world), {
      extensions: { persistedQuery: { version: random.pick([1, 2, '1', null]), sha256Hash: random.pick(['0'.repeat(64), 'not-a-hash', '../../etc/passwd']) } },
    }),

  'operation-name': (random, world) =>
    post(world, 'operation-name', 'query A { __typename } query B { tickets { totalCount } } mutation C { cancelBooking(id: "b") { id } }', {}, anyone(random, world), {
      operationName: random.pick([undefined, 'D', '', null, 42, 'C; DROP TABLE booking', ['A']]),
    }),
};

/** The roles of the suite's users, for `credentials()`. */
export function users(customers: readonly string[], organizer: string, otherOrganizer: string): Record<string, Role> {
  return { ...Object.fromEntries(customers.map((c) => [c, 'customer' as Role])), [organizer]: 'organizer', [otherOrganizer]: 'organizer', root: 'admin' };
}
