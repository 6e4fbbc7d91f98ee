import { DomainError } from '@supergraph/kernel/domain';

/**
 * Runs `fn` and returns the `[code, field]` of the `DomainError` it throws, for asserting domain
 * rules in one line: `expect(domainErrorOf(() => ...)).toEqual(['BAD_USER_INPUT', 'input.price'])`.
 * Rethrows any other error; throws when `fn` does not throw at all.
 */
export function domainErrorOf(fn: () => unknown): [string, string | undefined] {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return [error.code, error.field];
    throw error;
  }
  throw new Error('expected a DomainError, nothing was thrown');
}
