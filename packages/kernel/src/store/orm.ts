import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EntitySchema, MikroORM, Options } from '@mikro-orm/core';
import { LibSqlDriver } from '@mikro-orm/libsql';
import { MySqlDriver } from '@mikro-orm/mysql';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { OutboxMessageSchema } from '../events/outbox-message';
import { ProcessedEventSchema } from '../events/processed-event';

/** Which database a store URL points at. */
export type StoreKind = 'postgresql' | 'mysql' | 'sqlite';

/**
 * Reads the kind of store from its URL: `postgresql://…`/`postgres://…`, `mysql://…`/`mariadb://…`,
 * anything else is an SQLite file path (`sqlite:path`, `file:path` or a plain path; `:memory:` too).
 */
export function storeKind(url: string): StoreKind {
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgresql';
  if (/^(mysql|mariadb):\/\//.test(url)) return 'mysql';
  return 'sqlite';
}

/**
 * The kind of store an opened ORM talks to, read from its driver (`PostgreSqlDriver`,
 * `MySqlDriver` for MySQL and MariaDB, anything else is SQLite through `LibSqlDriver`).
 */
export function storeKindOf(orm: MikroORM): StoreKind {
  const driver = orm.config.getDriver();
  if (driver instanceof PostgreSqlDriver) return 'postgresql';
  if (driver instanceof MySqlDriver) return 'mysql';
  return 'sqlite';
}

/** The SQLite file of a `sqlite:`/`file:` URL or plain path. */
export function sqlitePath(url: string): string {
  return url.replace(/^(sqlite|file):(\/\/)?/, '');
}

/** How long, in ms, an SQLite statement waits for another connection's lock before `SQLITE_BUSY`. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/**
 * Runs on every new SQLite connection (knex pool `afterCreate`): write-ahead logging, so readers
 * (a backup, a second process reading the file) never block the context's writer nor it them,
 * and a busy timeout of `SQLITE_BUSY_TIMEOUT_MS`, so a writer meeting another's lock waits
 * instead of failing at once with `SQLITE_BUSY` (SQLite docs, "Write-Ahead Logging" and
 * `busy_timeout`). `connection` is libsql's better-sqlite3-compatible database handle.
 */
function sqliteConnectionSetup(connection: { exec(sql: string): unknown }, done: (error: Error | null, connection: unknown) => void): void {
  try {
    connection.exec(`PRAGMA journal_mode = WAL; PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS};`);
    done(null, connection);
  } catch (error) {
    done(error as Error, connection);
  }
}

/** What a context passes to open its store. */
export interface StoreOptions {
  /** The bounded context; used as MikroORM `contextName` (several ORMs may share a process). */
  context: string;
  /** `postgresql://…`, `mysql://…` or an SQLite path (see `storeKind`). */
  url: string;
  /** The context's entity schemas; the kernel adds its outbox and inbox tables. */
  entities: EntitySchema<any, any>[];
  debug?: boolean;
}

/**
 * MikroORM options for a context's store, the driver chosen by URL. The kernel's own tables
 * (`outbox_message`, `processed_event`) are always included.
 */
export function storeOptions(options: StoreOptions): Options {
  const entities = [...options.entities, OutboxMessageSchema, ProcessedEventSchema];
  const common = {
    contextName: options.context,
    entities,
    debug: options.debug ?? false,
    allowGlobalContext: false,
    forceUtcTimezone: true,
    discovery: { warnWhenNoEntities: true },
  };
  switch (storeKind(options.url)) {
    case 'postgresql':
      return { ...common, driver: PostgreSqlDriver, clientUrl: options.url } as Options;
    case 'mysql':
      return { ...common, driver: MySqlDriver, clientUrl: options.url.replace(/^mariadb:/, 'mysql:') } as Options;
    case 'sqlite': {
      const file = sqlitePath(options.url);
      if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
      return { ...common, driver: LibSqlDriver, dbName: file, pool: { afterCreate: sqliteConnectionSetup } } as Options;
    }
  }
}

/** Schema updates tried before `openStore` gives up (replicas starting together race on the DDL). */
const SCHEMA_UPDATE_ATTEMPTS = 3;

/**
 * Opens a context's store and brings its schema up to date with MikroORM's schema generator
 * (creating the database first where the server allows; never drops columns or tables).
 * Replicas of one context starting at the same moment race to create the same tables; the
 * loser's DDL fails (e.g. PostgreSQL's duplicate `pg_type` entry), so a failed update is
 * diffed and tried again, up to 3 times, 100-300 ms apart: by then the winner's tables exist.
 */
export async function openStore(options: StoreOptions): Promise<MikroORM> {
  const orm = await MikroORM.init(storeOptions(options));
  const generator = orm.getSchemaGenerator();
  await generator.ensureDatabase();
  for (let attempt = 1; ; attempt += 1) {
    try {
      await generator.updateSchema({ safe: true });
      return orm;
    } catch (error) {
      if (attempt >= SCHEMA_UPDATE_ATTEMPTS) {
        await orm.close();
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/** True when the store answers a trivial query (used by `/health/ready`). */
export async function storeReachable(orm: MikroORM): Promise<boolean> {
  try {
    return await orm.isConnected();
  } catch {
    return false;
  }
}
