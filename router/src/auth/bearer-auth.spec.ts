import { TokenError } from '@supergraph/kernel';
import { authorizationParam, unauthenticated } from './bearer-auth';

describe('the router’s token edge', () => {
  it('codes a refused token UNAUTHENTICATED with HTTP 401 and WWW-Authenticate, without echoing it', () => {
    const error = unauthenticated(new TokenError('token expired'));
    expect(error.extensions.code).toBe('UNAUTHENTICATED');
    expect((error.extensions.http as { status: number; headers: Map<string, string> }).status).toBe(401);
    expect((error.extensions.http as { headers: Map<string, string> }).headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(error.message).toMatch(/^token expired/);
  });

  it('reads the token of a graphql-ws connection_init payload', () => {
    expect(authorizationParam({ authorization: 'Bearer x' })).toBe('Bearer x');
    expect(authorizationParam({ Authorization: 'Bearer y' })).toBe('Bearer y');
    expect(authorizationParam({ headers: { Authorization: 'Bearer z' } })).toBe('Bearer z');
    expect(authorizationParam({})).toBeUndefined();
    expect(() => authorizationParam({ authorization: 42 })).toThrow(TokenError);
  });
});
