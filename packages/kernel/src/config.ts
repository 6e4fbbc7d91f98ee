import { z } from 'zod';
import { DEV_ROUTER_CREDENTIAL_SECRET, DEV_SERVICE_CREDENTIAL_SECRET } from './auth/internal-credential';
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
 * - `OUTBOX_RETENTION_MS` (default 86400000, 24 h): published outbox rows older than this are deleted
 *   (`Housekeeping`); unpublished rows never are.
 * - `STREAM_RETENTION_MS` (default 86400000, 24 h): stream entries younger than this are never
 *   trimmed, even when every consumer group acknowledged them (`trimStream`): the live feeds' plain
 *   XREAD and a consumer group added later read this much history.
 * - `INBOX_RETENTION_MS` (default 604800000, 7 days): inbox (`processed_event`) rows older than this
 *   are deleted. An event delivered again after its inbox row is gone would be applied twice, so it
 *   must exceed every redelivery window: a pending entry re-read after a crash or claimed after
 *   `CONSUMER_CLAIM_IDLE_MS`, a copy the relay republishes after an outage, and the stream history a
 *   reset group would read again (`STREAM_RETENTION_MS`); it must be longer than
 *   `STREAM_RETENTION_MS` and `CONSUMER_CLAIM_IDLE_MS` (checked), and longer than the longest Redis
 *   or store outage you expect to recover from.
 * - `HOUSEKEEPING_INTERVAL_MS` (default 300000, 5 min): mean time between two cleanups by one replica
 *   (each wait jittered between half and one and a half times it).
 * - `ROUTER_CREDENTIAL_SECRET` (≥ 32 characters): key of the router credentials every subgraph
 *   request carries (`InternalCredentials`); the router and every subgraph must share it.
 *   It defaults to a development-only value, refused when `NODE_ENV=production`, as are the
 *   `CHANGE-ME` placeholders of `docker/k8s/secrets.yaml` (`isPlaceholderSecret`).
 * The contexts read `contextConfigShape` on top of these; the router does not.
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
  OUTBOX_RETENTION_MS: z.coerce.number().int().positive().default(24 * 3600_000),
  STREAM_RETENTION_MS: z.coerce.number().int().positive().default(24 * 3600_000),
  INBOX_RETENTION_MS: z.coerce.number().int().positive().default(7 * 24 * 3600_000),
  HOUSEKEEPING_INTERVAL_MS: z.coerce.number().int().positive().default(300_000),
  ROUTER_CREDENTIAL_SECRET: z.string().min(32).default(DEV_ROUTER_CREDENTIAL_SECRET),
};

/**
 * The variables every bounded context reads on top of `baseConfigShape` (`openContext`), and the
 * router does not:
 * - `SERVICE_CREDENTIAL_SECRET` (≥ 32 characters): key of the contexts' service credentials (sync
 *   calls such as booking → payment). The router never holds it (so no client request can pass for
 *   a context's call); a development-only default, refused like the router key in production.
 */
export const contextConfigShape = {
  SERVICE_CREDENTIAL_SECRET: z.string().min(32).default(DEV_SERVICE_CREDENTIAL_SECRET),
};

/** Positive integer read from a string variable. */
export const intVar = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** The variables common to every service, typed. */
export type BaseConfig = z.infer<z.ZodObject<typeof baseConfigShape>>;

/** The variables of a bounded context's process (`baseConfigShape` + `contextConfigShape`), typed. */
export type ContextConfig = BaseConfig & z.infer<z.ZodObject<typeof contextConfigShape>>;

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
  const schema = z.object({ ...baseConfigShape, ...shape }).superRefine((config, ctx) => {
    checkInboxRetention(config as BaseConfig, ctx);
    checkProductionSecrets(config as BaseConfig, ctx);
  });
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return Object.freeze(result.data) as Readonly<BaseConfig & z.infer<z.ZodObject<S>>>;
}

/**
 * `INBOX_RETENTION_MS` must be longer than `STREAM_RETENTION_MS` and `CONSUMER_CLAIM_IDLE_MS`
 * (see `baseConfigShape`): otherwise an event could be delivered again after its inbox row was
 * deleted, and be applied twice.
 */
function checkInboxRetention(config: BaseConfig, ctx: z.RefinementCtx): void {
  const windowMs = Math.max(config.STREAM_RETENTION_MS, config.CONSUMER_CLAIM_IDLE_MS);
  if (config.INBOX_RETENTION_MS <= windowMs) {
    ctx.addIssue({
      code: 'custom',
      path: ['INBOX_RETENTION_MS'],
      message: `must be longer than STREAM_RETENTION_MS and CONSUMER_CLAIM_IDLE_MS (${windowMs} ms), or a redelivered event would be applied twice`,
    });
  }
}

/**
 * True when `value` is a published placeholder rather than a secret: it starts with `CHANGE-ME`
 * (any case), as the values in `docker/k8s/secrets.yaml` do. They are long enough for the
 * ≥ 32-character rule but public, so with `NODE_ENV=production` they are refused like the
 * development defaults.
 */
export function isPlaceholderSecret(value: string): boolean {
  return /^change-me/i.test(value);
}

/**
 * In production the development-only credential secrets and the published `CHANGE-ME`
 * placeholders are refused: anyone could forge a credential with them.
 */
function checkProductionSecrets(config: BaseConfig & Partial<ContextConfig>, ctx: z.RefinementCtx): void {
  if (config.NODE_ENV !== 'production') return;
  const devSecrets: [keyof ContextConfig, string][] = [
    ['ROUTER_CREDENTIAL_SECRET', DEV_ROUTER_CREDENTIAL_SECRET],
    ['SERVICE_CREDENTIAL_SECRET', DEV_SERVICE_CREDENTIAL_SECRET],
  ];
  for (const [name, devValue] of devSecrets) {
    const value = config[name];
    if (typeof value !== 'string') continue; // not a variable of this service (the router has no SERVICE_CREDENTIAL_SECRET)
    if (value === devValue) ctx.addIssue({ code: 'custom', path: [name], message: 'must be set to a secret of your own when NODE_ENV=production' });
    else if (isPlaceholderSecret(value)) ctx.addIssue({ code: 'custom', path: [name], message: 'is a CHANGE-ME placeholder: generate a secret of your own (e.g. openssl rand -base64 48) when NODE_ENV=production' });
  }
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
