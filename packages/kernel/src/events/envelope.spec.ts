import { causedBy, envelope, newId, parseEnvelope } from './envelope';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const raised = { type: 'TicketBooked', aggregateType: 'Booking', aggregateId: 'b-1', aggregateVersion: 3, payload: { seats: 2 } };

describe('envelope', () => {
  it('wraps a domain event with a uuid v7 id, producer, meta and UTC timestamp', () => {
    const now = new Date('2026-11-21T01:14:00.123Z');
    const env = envelope(raised, 'booking', { correlationId: 'corr-1', causationId: 'cause-1' }, now);
    expect(env).toEqual({
      id: expect.stringMatching(UUID_V7),
      type: 'TicketBooked',
      version: 1,
      aggregateType: 'Booking',
      aggregateId: 'b-1',
      aggregateVersion: 3,
      occurredAt: '2026-11-21T01:14:00.123Z',
      producer: 'booking',
      correlationId: 'corr-1',
      causationId: 'cause-1',
      payload: { seats: 2 },
    });
  });

  it('gives every envelope its own id, sortable by creation', () => {
    const ids = Array.from({ length: 50 }, () => envelope(raised, 'booking', { correlationId: 'c', causationId: null }).id);
    expect(new Set(ids).size).toBe(50);
    expect([...ids].sort()).toEqual(ids);
  });

  it('causedBy keeps the flow and points at the cause', () => {
    const cause = envelope(raised, 'booking', { correlationId: 'flow-9', causationId: null });
    expect(causedBy(cause)).toEqual({ correlationId: 'flow-9', causationId: cause.id });
  });

  it('newId is a uuid v7', () => {
    expect(newId()).toMatch(UUID_V7);
  });
});

describe('parseEnvelope', () => {
  const valid = envelope(raised, 'booking', { correlationId: 'c', causationId: null });

  it('round-trips an envelope', () => {
    expect(parseEnvelope(JSON.stringify(valid))).toEqual(valid);
  });

  it.each([
    ['not json', /JSON|Unexpected/],
    ['null', /./],
    ['[]', /without id/],
    [JSON.stringify({ ...valid, id: 1 }), /without id/],
    [JSON.stringify({ ...valid, type: undefined }), /without type/],
    [JSON.stringify({ ...valid, aggregateId: undefined }), /without aggregateId/],
    [JSON.stringify({ ...valid, correlationId: undefined }), /without correlationId/],
    [JSON.stringify({ ...valid, payload: null }), /without payload/],
    [JSON.stringify({ ...valid, payload: 'x' }), /without payload/],
  ])('rejects %s', (json, message) => {
    expect(() => parseEnvelope(json)).toThrow(message);
  });
});
