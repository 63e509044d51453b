/**
 * Rows written straight into SQLite: one prepared statement a row, a transaction a batch, run
 * synchronously. Kysely builds and compiles a query tree of each multi-row batch: 20 s of the 194 s
 * a million calls took (docs/benchmarks.md). The merge is the PostgreSQL path's (row-values.ts).
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { LegRow, RecordingRow } from './port.js';
import { CALL_MERGE, callValues, legValues, type MergedColumn, mergeSql, recordingValues } from './row-values.js';

/** Columns some index of index_calls holds (migrations.ts): see `indexedUpdate`. */
const INDEXED = new Set<MergedColumn>(['agent_id', 'caller_digits', 'callee_digits']);

/**
 * A row's values as positional parameters, in its columns' order (the order of the statement's
 * columns, prepared from the same object's keys). Named parameters cost 20 µs a row to bind
 * against 3 µs: node:sqlite looks each name up.
 */
const positional = (values: object) => Object.values(values) as SQLInputValue[];

export type RowWriter = (tenant: string, legs: readonly LegRow[], recordings: readonly RecordingRow[]) => void;

function upsertSql(table: string, columns: readonly string[], key: readonly string[], set: string, where = ''): string {
  const values = columns.map(() => '?').join(', ');
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${values}) ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${set}${where}`;
}

/** Every column but the key is replaced: the newest file's row wins. */
const replaced = (columns: readonly string[], key: readonly string[]) =>
  columns
    .filter((c) => !key.includes(c))
    .map((c) => `${c} = excluded.${c}`)
    .join(', ');

export function sqliteRowWriter(database: DatabaseSync): RowWriter {
  const statements = new Map<string, StatementSync>();
  const prepared = (name: string, sql: () => string) => {
    let s = statements.get(name);
    if (!s) {
      s = database.prepare(sql());
      statements.set(name, s);
    }
    return s;
  };

  const legKey = ['tenant', 'call_id', 'call_id_num'];
  const recordingKey = ['tenant', 'file_name'];
  const merged = Object.entries(CALL_MERGE) as Array<[MergedColumn, (typeof CALL_MERGE)[MergedColumn]]>;
  const plain = merged.filter(([c]) => !INDEXED.has(c));
  const indexed = merged.filter(([c]) => INDEXED.has(c));

  /**
   * The call's columns no index holds, merged in the upsert; only when one changes is the row
   * written (the same rows again write nothing).
   */
  const callUpsert = (columns: readonly string[]) => {
    const set = plain.map(([c, how]) => [c, mergeSql('sqlite', how, `index_calls.${c}`, `excluded.${c}`)] as const);
    const endMs = `coalesce(${mergeSql('sqlite', 'greatest', 'index_calls.cdr_end', 'excluded.cdr_end')}, ${mergeSql('sqlite', 'greatest', 'index_calls.rec_end', 'excluded.rec_end')})`;
    const assignments = [...set.map(([c, v]) => `${c} = ${v}`), `end_ms = ${endMs}`].join(', ');
    const changed = set.map(([c, v]) => `index_calls.${c} IS NOT ${v}`).join(' OR ');
    return upsertSql('index_calls', columns, ['tenant', 'call_id'], assignments, ` WHERE ${changed}`);
  };

  /**
   * The indexed columns (and the begin, from the spans just merged) in an update of their own that
   * matches only when one of them changes: SQLite rewrites the entries of every index whose column
   * an UPDATE names, changed or not, and a call's second row (its recording after its CDR) would
   * otherwise rewrite all four of them.
   */
  const indexedUpdate = () => {
    const set = [
      // ?1 and ?2 are the key; the indexed columns follow in their order.
      ...indexed.map(([c, how], i) => [c, mergeSql('sqlite', how, c, `?${i + 3}`)] as const),
      ['begin_ms', 'coalesce(cdr_begin, rec_begin, 0)'] as const,
    ];
    return `UPDATE index_calls SET ${set.map(([c, v]) => `${c} = ${v}`).join(', ')} WHERE tenant = ?1 AND call_id = ?2 AND (${set.map(([c, v]) => `${c} IS NOT ${v}`).join(' OR ')})`;
  };

  const mergeCall = (tenant: string, r: LegRow | RecordingRow) => {
    if (!r.visible) return;
    const call = callValues(tenant, r);
    prepared('call', () => callUpsert(Object.keys(call))).run(...positional(call));
    prepared('call-indexed', indexedUpdate).run(
      tenant,
      call.call_id,
      ...indexed.map(([c]) => call[c] as SQLInputValue),
    );
  };

  return (tenant, legs, recordings) => {
    database.exec('BEGIN');
    try {
      for (const r of legs) {
        const v = legValues(tenant, r);
        prepared('leg', () => upsertSql('index_legs', Object.keys(v), legKey, replaced(Object.keys(v), legKey))).run(
          ...positional(v),
        );
        mergeCall(tenant, r);
      }
      for (const r of recordings) {
        const v = recordingValues(tenant, r);
        prepared('recording', () =>
          upsertSql('index_recordings', Object.keys(v), recordingKey, replaced(Object.keys(v), recordingKey)),
        ).run(...positional(v));
        mergeCall(tenant, r);
      }
      database.exec('COMMIT');
    } catch (err) {
      database.exec('ROLLBACK');
      throw err;
    }
  };
}
