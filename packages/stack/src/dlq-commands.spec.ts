import { UsageError } from './args';
import { decodeDeadLetter, DEFAULT_LIST_LIMIT, describeLetter, dlqUsage, isNamespaceDeadLetterStream, letterJson, listLines, parseDlqArgs, redactUrl, sourceStream, truncate } from './dlq-commands';

const CONTEXTS = ['ticket', 'booking', 'payment', 'notification', 'mypage'];

const EVENT = {
  id: '0190a5b2-0000-7000-8000-000000000001',
  type: 'BookingConfirmed',
  version: 1,
  aggregateType: 'Booking',
  aggregateId: '0190a5b2-0000-7000-8000-0000000000aa',
  aggregateVersion: 2,
  occurredAt: '2025-01-01T00:00:00.000Z',
  producer: 'booking',
  correlationId: '0190a5b2-0000-7000-8000-0000000000cc',
  causationId: null,
  payload: { bookingId: 'b1' },
};

/** Fields as `StreamConsumer.deadLetter` writes them. */
const fields = (envelope: string, error = 'boom') => ['envelope', envelope, 'error', error, 'group', 'notification', 'entry', '1700000000000-0', 'deliveries', '5'];

describe('parseDlqArgs', () => {
  it('reads list with its defaults, and its filters', () => {
    expect(parseDlqArgs(['list'], CONTEXTS)).toEqual({ command: 'list', limit: DEFAULT_LIST_LIMIT, json: false });
    expect(parseDlqArgs(['list', '--context', 'booking', '--group=notification', '--limit', '5', '--json'], CONTEXTS)).toEqual({ command: 'list', limit: 5, json: true, context: 'booking', group: 'notification' });
  });

  it('reads replay and drop of entry ids (de-duplicated) or --all', () => {
    expect(parseDlqArgs(['replay', '1-0', '2-5', '1-0'], CONTEXTS)).toEqual({ command: 'replay', all: false, ids: ['1-0', '2-5'], json: false });
    expect(parseDlqArgs(['replay', '--all', '--context', 'ticket', '--group', 'booking'], CONTEXTS)).toEqual({ command: 'replay', all: true, json: false, context: 'ticket', group: 'booking' });
    expect(parseDlqArgs(['drop', '3-1', '--context', 'payment'], CONTEXTS)).toEqual({ command: 'drop', all: false, ids: ['3-1'], json: false, context: 'payment' });
    expect(parseDlqArgs(['drop', '--all', '--yes'], CONTEXTS)).toEqual({ command: 'drop', all: true, json: false });
  });

  it('answers help for -h / --help whatever else is given', () => {
    expect(parseDlqArgs(['--help'], CONTEXTS)).toEqual({ command: 'help' });
    expect(parseDlqArgs(['drop', '--all', '-h'], CONTEXTS)).toEqual({ command: 'help' });
  });

  it.each([
    [[], /missing command/],
    [['show'], /unknown command: show/],
    [['list', 'extra'], /unexpected argument: extra/],
    [['list', '--verbose'], /verbose/],
    [['list', '--limit', '0'], /--limit must be a positive whole number/],
    [['list', '--limit', 'ten'], /--limit must be a positive whole number/],
    [['list', '--context', 'billing'], /unknown context billing in --context \(known: ticket, booking/],
    [['list', '--group', ' '], /--group needs/],
    [['list', '--all'], /--all applies to replay and drop only/],
    [['replay', '--limit', '3', '--all'], /--limit applies to list only/],
    [['replay', '--all', '--yes'], /--yes applies to drop only/],
    [['replay'], /replay needs entry ids/],
    [['replay', 'abc'], /not a stream entry id: abc/],
    [['replay', '1-0', '--all'], /ids or --all, not both/],
    [['replay', '1-0', '--group', 'mypage'], /--group selects entries for list and --all/],
    [['drop', '--all'], /add --yes/],
  ])('rejects %j with a UsageError saying what is wrong', (argv, message) => {
    expect(() => parseDlqArgs(argv, CONTEXTS)).toThrow(UsageError);
    expect(() => parseDlqArgs(argv, CONTEXTS)).toThrow(message);
  });
});

describe('dead-letter streams', () => {
  it('maps <stream>.dlq back to <stream>', () => {
    expect(sourceStream('t1:booking.events.dlq')).toBe('t1:booking.events');
    expect(() => sourceStream('booking.events')).toThrow(/not a dead-letter stream/);
  });

  it("takes a namespace's context streams only, not those of longer namespaces", () => {
    expect(isNamespaceDeadLetterStream('', 'booking.events.dlq')).toBe(true);
    expect(isNamespaceDeadLetterStream('', 't1a2b:booking.events.dlq')).toBe(false);
    expect(isNamespaceDeadLetterStream('t1:', 't1:my-view_2.events.dlq')).toBe(true);
    expect(isNamespaceDeadLetterStream('t1:', 't2:booking.events.dlq')).toBe(false);
    expect(isNamespaceDeadLetterStream('t1:', 't1:booking.events')).toBe(false);
    expect(isNamespaceDeadLetterStream('t1:', 't1:x.booking.events.dlq')).toBe(false);
  });
});

describe('decodeDeadLetter', () => {
  it('decodes the fields StreamConsumer.deadLetter writes and parses the envelope', () => {
    const letter = decodeDeadLetter('t1:booking.events.dlq', '1700000000001-0', fields(JSON.stringify(EVENT)));
    expect(letter).toEqual({
      id: '1700000000001-0', dlq: 't1:booking.events.dlq', stream: 't1:booking.events', group: 'notification', entry: '1700000000000-0',
      deliveries: 5, error: 'boom', envelope: JSON.stringify(EVENT), event: EVENT,
    });
  });

  it('keeps an entry that is not an event envelope, without event', () => {
    const letter = decodeDeadLetter('booking.events.dlq', '1-0', fields('{not json', 'Unexpected token'));
    expect(letter.event).toBeUndefined();
    expect(letter.envelope).toBe('{not json');
    expect(decodeDeadLetter('booking.events.dlq', '1-0', []).deliveries).toBe(0);
  });
});

describe('printing', () => {
  const good = decodeDeadLetter('t1:booking.events.dlq', '1700000000001-0', fields(JSON.stringify(EVENT), `payment failed:\n${'x'.repeat(200)}`));
  const bad = decodeDeadLetter('t1:booking.events.dlq', '1700000000002-0', fields('{not json', 'Unexpected token'));

  it('truncates to one line', () => {
    expect(truncate('a\n  b', 10)).toBe('a b');
    expect(truncate('abcdefghijk', 5)).toBe('abcd…');
  });

  it('lists a count line, a header and one aligned line per entry', () => {
    const lines = listLines('t1:booking.events.dlq', 3, [good, bad]);
    expect(lines[0]).toBe('t1:booking.events.dlq: 3 dead letters, showing the oldest 2');
    expect(lines[1]).toMatch(/^ {2}DLQ ENTRY +STREAM +GROUP +ENTRY +DELIVERIES +TYPE +AGGREGATE +EVENT +ERROR$/);
    expect(lines[2].split(/ {2,}/).map((cell) => cell.trim())).toEqual(['', '1700000000001-0', 't1:booking.events', 'notification', '1700000000000-0', '5', 'BookingConfirmed', EVENT.aggregateId, EVENT.id, `payment failed: ${'x'.repeat(63)}…`]);
    expect(lines[3]).toContain('  ?  ');
    expect(lines[2].indexOf('BookingConfirmed')).toBe(lines[1].indexOf('TYPE'));
    expect(listLines('t1:booking.events.dlq', 1, [good])[0]).toBe('t1:booking.events.dlq: 1 dead letter');
    expect(listLines('t1:booking.events.dlq', 0, [])).toEqual(['t1:booking.events.dlq: 0 dead letters']);
  });

  it('prints a JSON line with the whole error and envelope', () => {
    expect(JSON.parse(letterJson(good))).toEqual({
      id: good.id, dlq: good.dlq, stream: good.stream, group: 'notification', entry: '1700000000000-0', deliveries: 5,
      type: 'BookingConfirmed', aggregateId: EVENT.aggregateId, eventId: EVENT.id, error: good.error, envelope: JSON.stringify(EVENT),
    });
    expect(JSON.parse(letterJson(bad))).toMatchObject({ type: null, aggregateId: null, eventId: null, envelope: '{not json' });
  });

  it('describes a letter and hides credentials in URLs', () => {
    expect(describeLetter(good)).toBe(`BookingConfirmed event ${EVENT.id}, group notification`);
    expect(describeLetter(bad)).toBe('entry that is not an event, group notification');
    expect(redactUrl('redis://user:secret@host:6379/2')).toBe('redis://***:***@host:6379/2');
    expect(redactUrl('redis://:secret@host:6379')).toBe('redis://:***@host:6379');
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });

  it('names the contexts --context takes in the help text', () => {
    expect(dlqUsage(CONTEXTS)).toContain('--context <c>   a context of the catalog (ticket, booking, payment, notification, mypage)');
  });
});
