import { z } from 'zod';

/**
 * Variables every service reads (validated once at start):
 * - `REDIS_URL` (default `redis://127.0.0.1:6379`)
 * - `EVENTS_NAMESPACE`: prefix of every stream name (default empty; tests use it to isolate runs)
 * - `LOG_LEVEL` (pino level, default `info`), `NODE_ENV`
 * - `SERVICE_HOST` (default `127.0.0.1`): the address services listen on.
 */
export const baseConfigShape = {
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  EVENTS_NAMESPACE: z.string().regex(/^[A-Za-z0-9:_.-]*$/).default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  SERVICE_HOST: z.string().default('127.0.0.1'),
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

/** `parseConfig` for a process entry point: prints the message and exits with status 1 on bad config. */
export function loadConfig<S extends z.ZodRawShape>(shape: S, env: NodeJS.ProcessEnv = process.env): Readonly<BaseConfig & z.infer<z.ZodObject<S>>> {
  try {
    return parseConfig(shape, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
