import { decodeJwt } from 'jose';
import { DEV_JWT_SECRET, signUserToken } from '@supergraph/kernel';
import { UsageError } from './args';
import { parseTokenArgs } from './token';

describe('npm run token', () => {
  it('reads subject, role and lifetime, defaulting to a customer for an hour', () => {
    expect(parseTokenArgs(['--sub', 'alice'])).toEqual({ subject: 'alice', role: 'customer', ttlS: 3600 });
    expect(parseTokenArgs(['--sub', 'olga', '--role', 'organizer', '--ttl', '60'])).toEqual({ subject: 'olga', role: 'organizer', ttlS: 60 });
  });

  it.each([[[]], [['--sub', 'a', '--role', 'root']], [['--sub', 'a', '--ttl', '-5']], [['--sub', 'a', 'extra']], [['--subject', 'a']]])('refuses %j with a usage error', (argv) => {
    expect(() => parseTokenArgs(argv as string[])).toThrow(UsageError);
  });

  it('signs the claims the router reads: sub, role, iat, exp', async () => {
    const claims = decodeJwt(await signUserToken({ subject: 'alice', role: 'customer', expiresInS: 120, secret: DEV_JWT_SECRET }));
    expect(claims).toMatchObject({ sub: 'alice', role: 'customer' });
    expect(claims.exp! - claims.iat!).toBe(120);
  });
});
