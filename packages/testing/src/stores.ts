import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { Client } from 'pg';
import type { StoreKind } from '@supergraph/kernel';

/** Server URLs the tests use: `PG_URL` and `MYSQL_URL` (machine defaults: trust auth, root without password). */
export const PG_URL = (process.env.PG_URL ?? 'postgresql://postgres@127.0.0.1:5432').replace(/\/$/, '');
export const MYSQL_URL = (process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/$/, '');

/** A store of its own for one test file: `url` to open it, `drop()` to remove it afterwards. */
export interface FreshStore {
  kind: StoreKind;
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates an empty database (PostgreSQL, MariaDB) or SQLite file named after `label` plus a
 * random suffix, so no test shares state with another (STYLE.md, MikroORM guide).
 */
export async function freshStore(kind: StoreKind, label: string): Promise<FreshStore> {
  const name = `t_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  switch (kind) {
    case 'postgresql': {
      await withPg((pg) => pg.query(`CREATE DATABASE "${name}"`));
      return { kind, url: `${PG_URL}/${name}`, drop: () => withPg((pg) => pg.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined) };
    }
    case 'mysql': {
      await withMysql((my) => my.query(`CREATE DATABASE \`${name}\``));
      return { kind, url: `${MYSQL_URL}/${name}`, drop: () => withMysql((my) => my.query(`DROP DATABASE IF EXISTS \`${name}\``)).then(() => undefined) };
    }
    case 'sqlite': {
      const dir = mkdtempSync(join(tmpdir(), `${name}-`));
      return { kind, url: join(dir, `${name}.sqlite`), drop: async () => rmSync(dir, { recursive: true, force: true }) };
    }
    default:
      throw new Error(`unknown store kind ${String(kind)}`);
  }
}

async function withPg<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: `${PG_URL}/postgres` });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function withMysql<T>(work: (conn: Awaited<ReturnType<typeof createConnection>>) => Promise<T>): Promise<T> {
  const conn = await createConnection(MYSQL_URL);
  try {
    return await work(conn);
  } finally {
    await conn.end();
  }
}
