const digits = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/**
 * Whole KRW as people read it, en-US digit grouping: `krw(100000)` → `"100,000 KRW"`. Amounts in
 * this product are whole won (CONTRACT.md: `price` is whole KRW per seat), so no decimals.
 */
export function krw(amount: number): string {
  return `${digits.format(amount)} KRW`;
}
