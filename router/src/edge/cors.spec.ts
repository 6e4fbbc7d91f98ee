import { parseCorsOrigins } from './cors';

describe('parseCorsOrigins (CORS_ORIGINS)', () => {
  it('reads comma-separated exact origins, blanks ignored; empty: none', () => {
    expect(parseCorsOrigins(' https://shop.example.com, http://localhost:5173 ,', true)).toEqual(['https://shop.example.com', 'http://localhost:5173']);
    expect(parseCorsOrigins('', true)).toEqual([]);
  });

  it('allows "*" alone, and only outside production', () => {
    expect(parseCorsOrigins('*', false)).toEqual(['*']);
    expect(() => parseCorsOrigins('*', true)).toThrow('"*" is not allowed when NODE_ENV=production');
    expect(() => parseCorsOrigins('*, https://a.example.com', false)).toThrow('"*" must be the only entry');
  });

  it.each(['shop.example.com', 'https://shop.example.com/', 'https://shop.example.com/app', 'ftp://files.example.com'])('refuses %s: not an origin', (entry) => {
    expect(() => parseCorsOrigins(entry, false)).toThrow('is not an origin');
  });
});
