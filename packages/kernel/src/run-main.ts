import type { Logger } from 'pino';
import { ConfigError, exitWithConfigError } from './config';
import { createLogger } from './logger';

/** What `runMain` may be given besides the entry point (tests pass a logger). */
export interface RunMainOptions {
  /** Where a startup failure is logged [a pino logger named `name`, level `LOG_LEVEL` or `info`]. */
  logger?: Logger;
}

/**
 * Runs a process entry point (`if (require.main === module) runMain(() => main(), 'booking')`).
 * If `start` fails, the process exits with status 1 after one clear line: a `ConfigError` is
 * printed to stderr as `loadConfig` prints it (one line naming the variable, no stack); any
 * other error is logged at `error` as `<name> could not start: <message>`, its stack only at
 * `debug`. Resolves once `start` has resolved (or the exit was requested).
 */
export async function runMain(start: () => Promise<unknown>, name: string, options: RunMainOptions = {}): Promise<void> {
  try {
    await start();
  } catch (error) {
    if (error instanceof ConfigError) exitWithConfigError(error);
    const logger = options.logger ?? createLogger(name);
    const message = error instanceof Error ? error.message : String(error);
    logger.error(`${name} could not start: ${message}`);
    logger.debug({ err: error }, `${name} startup failure`);
    process.exit(1);
  }
}
