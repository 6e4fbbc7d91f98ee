/** Something to kill at once, synchronously, when this process exits (a child process). */
export interface Killable {
  killNow(): void;
}

const live = new Set<Killable>();
let hooked = false;

/**
 * Keeps `item` on the list of processes to SIGKILL if this process exits before stopping them
 * (a test that throws, `process.exit` on an error): no orphans left behind. Call `untrack` once
 * it has been stopped.
 */
export function track(item: Killable): void {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const entry of live) entry.killNow();
    });
  }
  live.add(item);
}

/** Removes `item` from the exit list (it was stopped properly). */
export function untrack(item: Killable): void {
  live.delete(item);
}
