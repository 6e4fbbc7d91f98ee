import { MAX_RESTART_DELAY_MS, restartDelayMs } from './backoff';

describe('restartDelayMs', () => {
  it('doubles from 1 s per consecutive crash', () => {
    expect([0, 1, 2, 3, 4].map(restartDelayMs)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
  });

  it('caps at 30 s, also for very long crash loops', () => {
    expect(restartDelayMs(5)).toBe(MAX_RESTART_DELAY_MS);
    expect(restartDelayMs(1_000)).toBe(30_000);
  });

  it('treats a negative or fractional attempt as the nearest sensible one', () => {
    expect(restartDelayMs(-3)).toBe(1_000);
    expect(restartDelayMs(1.7)).toBe(2_000);
  });
});
