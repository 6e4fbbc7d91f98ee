import { newId } from '../events/envelope';

/** The request header a client (or the router) sends its correlation id in. */
export const CORRELATION_ID_HEADER = 'x-correlation-id';

/** What a client-supplied correlation id may look like: 1 to 100 of `A-Z a-z 0-9 . _ : -`. */
const ACCEPTED = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * The correlation id of a request: the `x-correlation-id` header value when it is 1 to 100
 * characters of `[A-Za-z0-9._:-]` (a uuid, `req-42`, `trace:abc`), else a new uuid v7. It goes
 * into every event envelope the request causes (ARCHITECTURE.md "Events"), so anything else a
 * client sends (a repeated header, spaces, control characters, markup) is replaced, never stored.
 */
export function correlationIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && ACCEPTED.test(header) ? header : newId();
}
