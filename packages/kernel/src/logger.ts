import pino, { Logger } from 'pino';

export type { Logger } from 'pino';

/** The pino levels `LOG_LEVEL` may name. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** `env.LOG_LEVEL` when it names a pino level, else `info` (for loggers made before the config is validated). */
function logLevelOf(env: NodeJS.ProcessEnv = process.env): string {
  const level = env.LOG_LEVEL;
  return level !== undefined && (LOG_LEVELS as readonly string[]).includes(level) ? level : 'info';
}

/** A pino logger whose lines carry `service`; level from `LOG_LEVEL` (default `info`, also when `LOG_LEVEL` is not a level). */
export function createLogger(service: string, level: string = logLevelOf()): Logger {
  return pino({ name: service, level, base: { service } });
}
