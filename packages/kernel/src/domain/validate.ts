import { invalidInput } from './errors';

/**
 * Small guards for command input; each throws `BAD_USER_INPUT` naming the field.
 * Used by aggregates so the rules live in the domain, whatever edge calls them.
 */
export const ensure = {
  /** A trimmed, non-empty string of at most `max` characters; returns it trimmed. */
  text(field: string, value: string, max: number): string {
    const trimmed = (value ?? '').trim();
    if (trimmed.length === 0) throw invalidInput(field, 'must not be empty');
    if (trimmed.length > max) throw invalidInput(field, `must be at most ${max} characters`);
    return trimmed;
  },
  /** A safe integer in [min, max]. */
  intInRange(field: string, value: number, min: number, max: number): number {
    if (!Number.isSafeInteger(value)) throw invalidInput(field, 'must be a whole number');
    if (value < min || value > max) throw invalidInput(field, `must be between ${min} and ${max}`);
    return value;
  },
  /** A non-empty identifier of at most 100 characters. */
  id(field: string, value: string): string {
    return ensure.text(field, value, 100);
  },
};
