/**
 * Error codes of the public contract (CONTRACT.md "Errors"). Every error a client can see
 * carries one of these in `extensions.code`.
 */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'SOLD_OUT'
  | 'CONFLICT'
  | 'PAYMENT_DECLINED'
  | 'PAYMENT_UNAVAILABLE'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'INTERNAL_SERVER_ERROR';

/**
 * A rule of the domain was broken, or a dependency the command needs is unavailable.
 * Raised by aggregates and application handlers; the GraphQL edge turns it into a GraphQL
 * error with `extensions.code = code` (and `extensions.field` when `field` is set).
 * Nothing is committed when it is thrown inside a unit of work.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The input field at fault, as the client named it (e.g. `input.price`). */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** `BAD_USER_INPUT` whose message starts with the field name, e.g. `input.price: must be greater than 0`. */
export function invalidInput(field: string, problem: string): DomainError {
  return new DomainError('BAD_USER_INPUT', `${field}: ${problem}`, field);
}

/** `NOT_FOUND` for an aggregate of the given kind and id. */
export function notFound(kind: string, id: string): DomainError {
  return new DomainError('NOT_FOUND', `${kind} ${id} not found`);
}
