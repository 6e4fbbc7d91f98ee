import Database from 'libsql';
import { createConnection } from 'mysql2/promise';
import { Client } from 'pg';
import type { StoreKind } from '@supergraph/kernel';

/** Names of the tables in the store at `url` (PostgreSQL `public` schema, the MySQL database, or the SQLite file). */
export async function tableNames(kind: StoreKind, url: string): Promise<string[]> {
  switch (kind) {
    case 'postgresql': {
      const pg = new Client({ connectionString: url });
      await pg.connect();
      try {
        return (await pg.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")).rows.map((r) => r.table_name as string);
      } finally {
        await pg.end();
      }
    }
    case 'mysql': {
      const my = await createConnection(url);
      try {
        const [rows] = await my.query('SHOW TABLES');
        return (rows as Record<string, string>[]).map((row) => Object.values(row)[0]);
      } finally {
        await my.end();
      }
    }
    case 'sqlite': {
      const db = new Database(url, { readonly: true });
      try {
        return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
      } finally {
        db.close();
      }
    }
    default:
      throw new Error(`unknown store kind ${String(kind)}`);
  }
}
