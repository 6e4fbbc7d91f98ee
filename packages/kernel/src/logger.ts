import pino, { Logger } from 'pino';

export type { Logger } from 'pino';

/** A pino logger whose lines carry `service`; level from `LOG_LEVEL` (default `info`). */
export function createLogger(service: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: service, level, base: { service } });
}
