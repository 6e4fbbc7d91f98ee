import type { NextFunction, Request, Response } from 'express';
import { Caller } from './identity';
import { CALLER_HEADER, CredentialError, InternalCredentials } from './internal-credential';

/**
 * Express middleware in front of a subgraph's `/graphql`: only the router and the other contexts
 * may call it. The `x-supergraph-caller` credential is verified (`InternalCredentials.verify`) and
 * the proven `Caller` put in `res.locals.caller`; without a valid one the answer is 401 with a
 * GraphQL-shaped `UNAUTHENTICATED` error, and nothing runs. A client calling a subgraph port
 * directly therefore gets nothing, whatever token it holds.
 */
export function requireInternalCredential(credentials: InternalCredentials) {
  return (req: Request, res: Response, next: NextFunction): void => {
    credentials.verify(req.header(CALLER_HEADER)).then(
      (caller) => {
        res.locals.caller = caller;
        next();
      },
      (error: unknown) => {
        const message = error instanceof CredentialError ? error.message : 'invalid internal credential';
        res.status(401).json({ errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] });
      },
    );
  };
}

/** The caller `requireInternalCredential` proved for this request. */
export function callerOf(res: Response): Caller {
  const caller = res.locals.caller as Caller | undefined;
  if (!caller) throw new Error('requireInternalCredential must run before the GraphQL handler');
  return caller;
}
