import type { IncomingMessage } from 'node:http';
import { clientAddress, parseTrustProxy } from './client-address';

/** A request from `peer` that went through the proxies of `forwarded` (`X-Forwarded-For`, client first). */
const request = (peer: string, forwarded?: string) => ({ socket: { remoteAddress: peer }, headers: forwarded ? { 'x-forwarded-for': forwarded } : {} }) as unknown as IncomingMessage;

describe('TRUST_PROXY and the client address', () => {
  it('believes no proxy by default: the client is the socket peer, whatever X-Forwarded-For says', () => {
    for (const value of ['', 'false']) expect(clientAddress(request('10.0.0.5', '203.0.113.7'), parseTrustProxy(value))).toBe('10.0.0.5');
  });

  it('believes the given number of nearest hops', () => {
    expect(clientAddress(request('10.0.0.5', '203.0.113.7'), parseTrustProxy('1'))).toBe('203.0.113.7');
    // A client cannot prepend its own choice: only one hop is believed.
    expect(clientAddress(request('10.0.0.5', '1.2.3.4, 203.0.113.7'), parseTrustProxy('1'))).toBe('203.0.113.7');
  });

  it('believes proxies named by address or range, and only those', () => {
    const trust = parseTrustProxy('10.0.0.0/8, loopback');
    expect(clientAddress(request('10.0.0.5', '203.0.113.7'), trust)).toBe('203.0.113.7');
    expect(clientAddress(request('198.51.100.9', '203.0.113.7'), trust)).toBe('198.51.100.9');
  });

  it('refuses true and malformed values', () => {
    expect(() => parseTrustProxy('true')).toThrow(/any client/);
    expect(() => parseTrustProxy('10.0.0.0/99')).toThrow();
  });
});
