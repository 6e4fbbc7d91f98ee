import { z } from 'zod';
import { LOG_LEVELS } from './logger';

/**
 * Variables every service reads (validated once at start):
 * - `REDIS_URL` (default `redis://127.0.0.1:6379`)
 * - `EVENTS_NAMESPACE`: prefix of every stream name (default empty; tests use it to isolate runs)
 * - `LOG_LEVEL` (pino level, default `info`), `NODE_ENV`
 * - `SERVICE_HOST` (default `127.0.0.1`): the address services listen on.
 * - `SHUTDOWN_DELAY_MS` (default 0): on SIGTERM, how long `/health/ready` answers 503 while
 *   requests are still served before the listener closes (lets load balancers and Kubernetes
 *   endpoints stop routing here first).
 * - `CONSUMER_NAME` (optional): this replica's name in its consumer groups (`StreamConsumerOptions.consumer`;
 *   unset or empty: `<hostname>-<pid>`).
 * - `CONSUMER_CLAIM_IDLE_MS` (default 30000): entries idle this long in another (dead) consumer's
 *   pending list are claimed with XAUTOCLAIM (`StreamConsumerOptions.claimIdleMs`).
 * - `CONSUMER_MAX_DELIVERIES` (default 5): deliveries after which an entry goes to the dead-letter
 *   stream (`StreamConsumerOptions.maxDeliveries`).
 */
export const baseConfigShape = {
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  EVENTS_NAMESPACE: z.string().regex(/^[A-Za-z0-9:_.-]*$/).default(''),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  SERVICE_HOST: z.string().default('127.0.0.1'),
  SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).default(0),
  CONSUMER_NAME: z.string().optional(),
  CONSUMER_CLAIM_IDLE_MS: z.coerce.number().int().positive().default(30_000),
  CONSUMER_MAX_DELIVERIES: z.coerce.number().int().positive().default(5),
};

/** Positive integer read from a string variable. */
export const intVar = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** The variables common to every service, typed. */
export type BaseConfig = z.infer<z.ZodObject<typeof baseConfigShape>>;

/**
 * Thrown by `parseConfig` when a variable is missing or malformed; the message names every
 * bad variable, e.g. `PORT: expected number, received "abc"`.
 */
export class ConfigError extends Error {}

/**
 * Validates `env` against `shape` (merged with the base variables) and returns a frozen,
 * typed config. Throws `ConfigError` naming the bad variables.
 */
export function parseConfig<S extends z.ZodRawShape>(shape: S, env: NodeJS.ProcessEnv = process.env): Readonly<BaseConfig & z.infer<z.ZodObject<S>>> {
  const schema = z.object({ ...baseConfigShape, ...shape });
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return Object.freeze(result.data) as Readonly<BaseConfig & z.infer<z.ZodObject<S>>>;
}

/** `parseConfig` for a process entry point: on bad config prints one line naming the variables and exits with status 1. */
export function loadConfig<S extends z.ZodRawShape>(shape: S, env: NodeJS.ProcessEnv = process.env): Readonly<BaseConfig & z.infer<z.ZodObject<S>>> {
  return exitOnConfigError(() => parseConfig(shape, env));
}

/**
 * Runs `read` (anything that validates configuration: `parseConfig`, `servicePort`, `storeUrl`)
 * and returns its result; on a `ConfigError` prints its message on one line to stderr and exits
 * with status 1 (no stack trace; `exitWithConfigError`). Other errors are rethrown.
 */
export function exitOnConfigError<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return exitWithConfigError(error);
  }
}

/** Prints the message of `error` on one line (`Invalid configuration: PORT: …; LOG_LEVEL: …`) to stderr and exits with status 1. */
export function exitWithConfigError(error: ConfigError): never {
  process.stderr.write(`${configErrorLine(error)}\n`);
  return process.exit(1);
}

/**
 * A `ConfigError` message on one line: `Invalid configuration: PORT: expected number, received
 * "abc"; LOG_LEVEL: …` (the message lists one variable per line).
 */
function configErrorLine(error: ConfigError): string {
  const [head, ...issues] = error.message.split('\n').map((line) => line.trim()).filter(Boolean);
  return issues.length === 0 ? head : `${head} ${issues.join('; ')}`;
}
