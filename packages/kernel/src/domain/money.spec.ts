import { krw } from './money';

describe('krw', () => {
  it('groups digits of whole won', () => {
    expect(krw(0)).toBe('0 KRW');
    expect(krw(1_000)).toBe('1,000 KRW');
    expect(krw(12_000_000)).toBe('12,000,000 KRW');
  });
});
