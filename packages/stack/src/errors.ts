/**
 * A problem starting or running the stack that the user can act on (Redis missing, a port in
 * use, a service not ready). The CLI prints its message alone, without a stack trace.
 */
export class StackError extends Error {
  override readonly name = 'StackError';
}
