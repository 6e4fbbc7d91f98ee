/** What `captureExit` saw: the status `process.exit` was called with (none: it was not), what went to stderr, and what `run` returned. */
export interface ExitCapture<T> {
  exitCode?: number;
  stderr: string[];
  result?: T;
}

/** Thrown in place of exiting while `captureExit` runs: it unwinds `run` as the real exit would end the process. */
class ExitCalled extends Error {
  constructor(readonly code: number | undefined) {
    super(`exit ${code}`);
  }
}

/**
 * Runs `run` (a service's start or configuration code) with `process.exit` stubbed and stderr
 * captured, then restores both: `exitCode` is the status it tried to exit with, `stderr` each
 * chunk it wrote (e.g. the one line `Invalid configuration: PORT: …` of `exitWithConfigError`).
 * Errors other than the stubbed exit are rethrown.
 */
export async function captureExit<T>(run: () => T | Promise<T>): Promise<ExitCapture<T>> {
  const exit = process.exit;
  const write = process.stderr.write;
  const stderr: string[] = [];
  process.exit = ((code?: number) => {
    throw new ExitCalled(code);
  }) as typeof process.exit;
  process.stderr.write = ((chunk: unknown) => {
    stderr.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    return { result: await run(), stderr };
  } catch (error) {
    if (error instanceof ExitCalled) return { exitCode: error.code, stderr };
    throw error;
  } finally {
    process.exit = exit;
    process.stderr.write = write;
  }
}
