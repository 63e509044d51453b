/**
 * The two engines behind the index port. Only the composition root (and the benchmark) picks one.
 * - SQLite through Node's own `node:sqlite`: a file under `index.dataDir`, nothing to install
 *   (chosen over PGlite by measurement: docs/benchmarks.md).
 * - PostgreSQL through `pg`, shared by every instance.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { type Dialect, Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { createIndexDb } from './index-db.js';
import type { IndexDb } from './port.js';
import { sqliteRowWriter } from './sqlite-rows.js';
import type { IndexTables } from './tables.js';

/** node:sqlite in the shape Kysely's SQLite driver expects (better-sqlite3's). */
function sqliteDatabase(file: string, cacheMiB: number) {
  const db = new DatabaseSync(file);
  // WAL: searches read while an ingestion writes; NORMAL is durable across a process crash.
  // A checkpoint every 10,000 pages (40 MiB of WAL) rather than 1,000 costs a tenth of the fsyncs.
  db.exec(
    `PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA cache_size = -${cacheMiB * 1024}; PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 10000;`,
  );
  // Kysely prepares every query again: the few shapes a gateway runs are kept prepared.
  const prepared = new Map<string, ReturnType<typeof db.prepare>>();
  return {
    db,
    close: () => db.close(),
    prepare(query: string) {
      let s = prepared.get(query);
      if (!s) {
        s = db.prepare(query);
        if (prepared.size >= 256) prepared.clear();
        prepared.set(query, s);
      }
      const statement = s;
      const reader = statement.columns().length > 0;
      type Params = Parameters<typeof statement.all>;
      return {
        reader,
        all: (params: ReadonlyArray<unknown>) => statement.all(...(params as Params)),
        run: (params: ReadonlyArray<unknown>) => {
          const r = statement.run(...(params as Params));
          return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
        },
        iterate: (params: ReadonlyArray<unknown>) =>
          statement.iterate(...(params as Params)) as IterableIterator<unknown>,
      };
    },
  };
}

/**
 * The embedded index. Its page cache (per connection) defaults to 32 MiB, which holds the upper
 * levels of the index b-trees of a few million rows for searches; the ingestion thread's own
 * connection asks for less (ingest-worker.ts).
 */
export function createSqliteIndexDb(dataDir: string, opts: { cacheMiB?: number } = {}): IndexDb {
  mkdirSync(dataDir, { recursive: true });
  const database = sqliteDatabase(join(dataDir, 'index.sqlite'), opts.cacheMiB ?? 32);
  return createIndexDb(
    new Kysely<IndexTables>({ dialect: new SqliteDialect({ database }) }),
    'sqlite',
    sqliteRowWriter(database.db),
  );
}

/** PostgreSQL's BIGINT (int8) and COUNT come back as JavaScript numbers: epoch milliseconds fit. */
const types = {
  getTypeParser: (oid: number, format?: string) =>
    oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'),
};

export function createPostgresIndexDb(opts: { url: string; poolSize: number; statementTimeoutMs: number }): IndexDb {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize,
    statement_timeout: opts.statementTimeoutMs,
    connectionTimeoutMillis: 3000,
    types,
  });
  // An idle client's error (the server restarted) must not end the process: the next query reconnects.
  pool.on('error', () => {});
  return createIndexDb(new Kysely<IndexTables>({ dialect: new PostgresDialect({ pool }) }), 'postgres');
}

/** Any other Kysely dialect that speaks PostgreSQL (the benchmark's PGlite). */
export function createIndexDbOn(dialect: Dialect, engine: 'sqlite' | 'postgres'): IndexDb {
  return createIndexDb(new Kysely<IndexTables>({ dialect }), engine);
}
