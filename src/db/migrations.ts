/**
 * Versioned migrations, run at start by Kysely's migrator (which keeps its own table of what ran,
 * under a lock, so instances starting together apply each one once). Never edit a released one:
 * add the next. One set serves both engines: the column types are the ones SQLite and PostgreSQL share
 * (only SQLite's tables are clustered on their key).
 */
import { type CreateTableBuilder, type Kysely, sql } from 'kysely';
import type { Migration, MigrationProvider } from 'kysely/migration';

const ms = 'bigint' as const;

/** Who took part: the columns every table of calls has. */
const parties = <T extends CreateTableBuilder<string, never>>(t: T) =>
  t
    .addColumn('cc_id', 'varchar(64)')
    .addColumn('agent_id', 'varchar(64)')
    .addColumn('caller_no', 'varchar(64)')
    .addColumn('callee_no', 'varchar(64)')
    .addColumn('caller_digits', 'varchar(64)')
    .addColumn('callee_digits', 'varchar(64)') as T;

/**
 * SQLite keeps a table in rowid order with its primary key as a second b-tree; WITHOUT ROWID keeps
 * the rows in the key's own b-tree, one write a row instead of two. PostgreSQL has no such clause.
 */
const clustered = (engine: 'sqlite' | 'postgres') => (t: CreateTableBuilder<string, never>) =>
  engine === 'sqlite' ? t.modifyEnd(sql`without rowid`) : t;

const migrations = (engine: 'sqlite' | 'postgres'): Record<string, Migration> => ({
  '0001_index': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('index_legs')
        .addColumn('tenant', 'varchar(64)', (c) => c.notNull())
        .addColumn('call_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('call_id_num', 'integer', (c) => c.notNull())
        .$call(parties)
        .addColumn('wait_begin', ms)
        .addColumn('wait_end', ms)
        .addColumn('ack_begin', ms)
        .addColumn('ack_end', ms)
        .addColumn('begin_ms', ms)
        .addColumn('end_ms', ms)
        .addColumn('device_type', 'varchar(16)')
        .addColumn('device_no', 'varchar(32)')
        .addColumn('call_type', 'varchar(16)')
        .addColumn('release_cause', 'varchar(16)')
        .addColumn('vdn_id', 'integer')
        .addColumn('visible', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('index_legs_pk', ['tenant', 'call_id', 'call_id_num'])
        .$call(clustered(engine))
        .execute();
      await db.schema
        .createTable('index_recordings')
        .addColumn('tenant', 'varchar(64)', (c) => c.notNull())
        .addColumn('file_name', 'varchar(512)', (c) => c.notNull())
        .addColumn('call_id', 'varchar(64)', (c) => c.notNull())
        .$call(parties)
        .addColumn('begin_ms', ms)
        .addColumn('end_ms', ms)
        .addColumn('original_file_name', 'varchar(512)', (c) => c.notNull())
        .addColumn('vdn_id', 'integer')
        .addColumn('call_type', 'varchar(16)')
        .addColumn('media_type', 'varchar(16)')
        .addColumn('visible', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('index_recordings_pk', ['tenant', 'file_name'])
        .$call(clustered(engine))
        .execute();
      await db.schema
        .createIndex('index_recordings_call')
        .on('index_recordings')
        .columns(['tenant', 'call_id'])
        .execute();
      await db.schema
        .createTable('index_calls')
        .addColumn('tenant', 'varchar(64)', (c) => c.notNull())
        .addColumn('call_id', 'varchar(64)', (c) => c.notNull())
        .$call(parties)
        .addColumn('vdn_id', 'integer')
        .addColumn('begin_ms', ms, (c) => c.notNull())
        .addColumn('end_ms', ms)
        .addColumn('call_type', 'varchar(16)')
        .addColumn('recordings', 'integer', (c) => c.notNull())
        // Each kind's own span, merged in place as rows arrive: a call's times are its CDR legs'
        // when it has any, else its recordings' (contract 6.2).
        .addColumn('cdr_begin', ms)
        .addColumn('cdr_end', ms)
        .addColumn('rec_begin', ms)
        .addColumn('rec_end', ms)
        .addPrimaryKeyConstraint('index_calls_pk', ['tenant', 'call_id'])
        .$call(clustered(engine))
        .execute();
      // One index per filter of contract 6.2, each ending in the cursor's order (begin, call id).
      for (const [name, cols] of [
        ['index_calls_time', ['tenant', 'begin_ms', 'call_id']],
        ['index_calls_agent', ['tenant', 'agent_id', 'begin_ms', 'call_id']],
        ['index_calls_caller', ['tenant', 'caller_digits', 'begin_ms', 'call_id']],
        ['index_calls_callee', ['tenant', 'callee_digits', 'begin_ms', 'call_id']],
      ] as const)
        await db.schema
          .createIndex(name)
          .on('index_calls')
          .columns([...cols])
          .execute();
      await db.schema
        .createTable('index_jobs')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('tenant', 'varchar(64)', (c) => c.notNull())
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('batch', 'varchar(64)')
        .addColumn('from_ms', ms, (c) => c.notNull())
        .addColumn('to_ms', ms, (c) => c.notNull())
        .addColumn('state', 'varchar(16)', (c) => c.notNull())
        .addColumn('response_id', 'varchar(64)')
        .addColumn('token_hash', 'varchar(64)')
        .addColumn('bill_file_name', 'varchar(64)')
        .addColumn('requested_at', ms)
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('not_before', ms, (c) => c.notNull())
        .addColumn('claimed_until', ms)
        .addColumn('last_error', 'varchar(256)')
        .addColumn('rows', 'integer', (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('index_jobs_open').on('index_jobs').columns(['tenant', 'state', 'from_ms']).execute();
      await db.schema
        .createTable('index_tenants')
        .addColumn('tenant', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('done_until', ms)
        .addColumn('paused_until', ms)
        .addColumn('last_error_code', 'varchar(32)')
        .addColumn('last_error_at', ms)
        .addColumn('lease_holder', 'varchar(128)')
        .addColumn('lease_until', ms)
        .execute();
    },
  },
});

export const migrationProvider = (engine: 'sqlite' | 'postgres'): MigrationProvider => ({
  getMigrations: async () => migrations(engine),
});
