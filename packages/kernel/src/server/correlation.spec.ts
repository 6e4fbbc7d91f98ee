import { correlationIdFrom } from './correlation';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('correlationIdFrom', () => {
  it.each(['e2e-correlation-1', 'req_42', 'trace:abc.def', '0193b4c2-7d1e-7abc-8def-0123456789ab', 'x'.repeat(100)])('keeps an acceptable client id (%s)', (id) => {
    expect(correlationIdFrom(id)).toBe(id);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['too long', 'x'.repeat(101)],
    ['with a space', 'a b'],
    ['with a newline', 'a\nb'],
    ['with markup', '<script>'],
    ['not ASCII', 'café'],
    ['a repeated header', ['a', 'b']],
  ])('replaces a %s id with a new uuid v7', (_what, header) => {
    expect(correlationIdFrom(header)).toMatch(UUID_V7);
  });
});
