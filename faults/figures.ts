/**
 * Figures of the fault suite (`npm run test:faults`): each case prints what it measured as one
 * block on stdout, e.g.
 *
 *   ┌─ fault: consumer SIGKILLed 5 times while 5000 events flow
 *   │ sent                 5000
 *   │ lost                 0
 *   │ duplicateEffects     0
 *   └─
 *
 * and appends the same block to `artifacts/fault-figures.txt` (git-ignored), so a whole run's
 * figures can be read in one place after jest's own output. Printing is not asserting: every
 * case also `expect`s its figures (lost 0, duplicates 0, CONTRACT.md timing bounds).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS_DIR } from '@supergraph/testing';

/** One figure: a count, a duration (seconds or ms, named in the key), a label. */
export type Figure = number | string | boolean | null | undefined;

/** Seconds with one decimal place, from milliseconds. */
export const seconds = (ms: number): number => Math.round(ms / 100) / 10;

/** Prints the figures of `caseName` as one block on stdout and appends it to artifacts/fault-figures.txt; returns them. */
export function report<T extends Record<string, Figure>>(caseName: string, figures: T): T {
  const width = Math.max(...Object.keys(figures).map((key) => key.length)) + 2;
  const lines = [`┌─ fault: ${caseName}`, ...Object.entries(figures).map(([key, value]) => `│ ${key.padEnd(width)}${value ?? '—'}`), '└─'];
  const block = `${lines.join('\n')}\n`;
  process.stdout.write(`\n${block}`);
  try {
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    appendFileSync(join(ARTIFACTS_DIR, 'fault-figures.txt'), `${new Date().toISOString()}\n${block}`);
  } catch {
    // the figures are on stdout anyway
  }
  return figures;
}
