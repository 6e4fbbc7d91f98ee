/** First restart delay after a crash, in ms. */
export const FIRST_RESTART_DELAY_MS = 1_000;
/** Longest restart delay, in ms (a crash loop settles at one attempt every 30 s). */
export const MAX_RESTART_DELAY_MS = 30_000;

/**
 * Delay before restarting a crashed service, like a Kubernetes liveness restart: 1 s, 2 s, 4 s …
 * doubling per consecutive crash (`attempt` 0 is the first), capped at 30 s.
 */
export function restartDelayMs(attempt: number): number {
  const exponent = Math.max(0, Math.floor(attempt));
  return Math.min(FIRST_RESTART_DELAY_MS * 2 ** Math.min(exponent, 30), MAX_RESTART_DELAY_MS);
}
