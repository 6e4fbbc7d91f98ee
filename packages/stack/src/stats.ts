/**
 * Percentile `p` (0..100) of `values` by nearest rank (the smallest value with at least p % of
 * the values at or below it; Hyndman & Fan definition 1), NaN for no values. The benchmarks'
 * and the fault suite's latency figures (ms) all come from here.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
