/**
 * How notifications word amounts, counts and titles, shared by every system's policies so all
 * messages read alike. English, en-US digit grouping; amounts use the kernel's `krw`.
 */
export { krw } from '@supergraph/kernel/domain';

const digits = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** A count with its noun, plural unless exactly one: `count(2, 'seat')` → `"2 seats"`. */
export function count(n: number, noun: string): string {
  return `${digits.format(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/** A title in single quotes, as messages name tickets: `quoted('Swan Lake')` → `"'Swan Lake'"`. */
export function quoted(title: string): string {
  return `'${title}'`;
}
