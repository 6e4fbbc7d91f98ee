import Database from 'libsql';
import { createConnection } from 'mysql2/promise';
import { Client } from 'pg';
import type { StoreKind } from '@supergraph/kernel';

/** Where one context keeps its data: the store kind and its URL (an SQLite file path for `sqlite`). */
export interface StoreRef {
  kind: StoreKind;
  url: string;
}

/** Rows of `sql` (no parameters) in `store`, read with a client of its own (read-only for SQLite). */
export async function queryStore<T = Record<string, unknown>>(store: StoreRef, sql: string): Promise<T[]> {
  switch (store.kind) {
    case 'postgresql': {
      const pg = new Client({ connectionString: store.url });
      await pg.connect();
      try {
        return (await pg.query(sql)).rows as T[];
      } finally {
        await pg.end();
      }
    }
    case 'mysql': {
      const my = await createConnection(store.url);
      try {
        const [rows] = await my.query(sql);
        return rows as T[];
      } finally {
        await my.end();
      }
    }
    case 'sqlite': {
      const db = new Database(store.url, { readonly: true });
      try {
        return db.prepare(sql).all() as T[];
      } finally {
        db.close();
      }
    }
    default:
      throw new Error(`unknown store kind ${String(store.kind)}`);
  }
}

/** The query listing the tables of a store: PostgreSQL's `public` schema, the MySQL database, the SQLite file. */
const TABLES_SQL: Record<StoreKind, string> = {
  postgresql: "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'",
  mysql: 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()',
  sqlite: "SELECT name FROM sqlite_master WHERE type = 'table'",
};

/** Names of the tables in the store at `url` (PostgreSQL `public` schema, the MySQL database, or the SQLite file). */
export async function tableNames(kind: StoreKind, url: string): Promise<string[]> {
  const sql = TABLES_SQL[kind];
  if (!sql) throw new Error(`unknown store kind ${String(kind)}`);
  return (await queryStore<{ name?: string; NAME?: string }>({ kind, url }, sql)).map((row) => (row.name ?? row.NAME)!);
}
