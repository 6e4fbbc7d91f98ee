import { deadLetterStream, eventStream } from './redis';

describe('stream names', () => {
  it('prefixes the context stream with the namespace', () => {
    expect(eventStream('', 'booking')).toBe('booking.events');
    expect(eventStream('t1a2b3c4d:', 'booking')).toBe('t1a2b3c4d:booking.events');
  });

  it('names the dead-letter stream after the stream', () => {
    expect(deadLetterStream('t1:booking.events')).toBe('t1:booking.events.dlq');
  });
});
