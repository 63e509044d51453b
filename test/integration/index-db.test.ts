/**
 * The index database port, the same cases on both engines: the embedded SQLite file and a real
 * PostgreSQL. Upserts are idempotent, every filter and the keyset order hold, a page walk lists
 * each match once while rows are added, the lease has one holder, job moves are conditional.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createPostgresIndexDb, createSqliteIndexDb } from '../../src/db/engines.js';
import type { IndexDb, Job, LegRow, RecordingRow } from '../../src/db/port.js';
import { type PostgresServer, startPostgres } from '../helpers/postgres.js';

const T0 = Date.UTC(2026, 10, 25, 0, 0, 0);

function leg(callId: string, begin: number, o: Partial<LegRow> = {}): LegRow {
  return {
    callId,
    callIdNum: -1,
    ccId: '1',
    agentId: '1001',
    callerNo: '8613800138000',
    calleeNo: '4008001234',
    waitBegin: begin,
    waitEnd: begin,
    ackBegin: begin,
    ackEnd: begin + 60_000,
    begin,
    end: begin + 60_000,
    deviceType: '2',
    deviceNo: '1001',
    callType: '0',
    releaseCause: '1',
    vdnId: 53,
    visible: true,
    ...o,
  };
}

function recording(callId: string, name: string, begin: number, o: Partial<RecordingRow> = {}): RecordingRow {
  return {
    fileName: name,
    callId,
    ccId: '1',
    agentId: '1001',
    callerNo: '8613800138000',
    calleeNo: '4008001234',
    begin,
    end: begin + 30_000,
    originalFileName: `Y:\\53\\0${name.replace(/\//g, '\\')}`,
    vdnId: 53,
    callType: '0',
    mediaType: '5',
    visible: true,
    ...o,
  };
}

const job = (id: string, o: Partial<Job> = {}): Job => ({
  id,
  tenant: 'acme',
  kind: 'schedule',
  batch: null,
  from: T0,
  to: T0 + 3600_000,
  state: 'queued',
  responseId: null,
  tokenHash: null,
  billFileName: null,
  requestedAt: null,
  attempts: 0,
  notBefore: 0,
  claimedUntil: null,
  lastError: null,
  rows: 0,
  updatedAt: T0,
  ...o,
});

const base = { tenant: 'acme', from: T0, to: T0 + 86_400_000, vdnIds: [53], limit: 100 };

function contract(name: string, open: () => Promise<{ db: IndexDb; done: () => Promise<void> }>) {
  describe(`the index database on ${name}`, () => {
    let db: IndexDb;
    let done: () => Promise<void>;
    before(async () => {
      ({ db, done } = await open());
      await db.migrate();
      // Migrations run once: a second start changes nothing.
      await db.migrate();
    });
    after(() => done());

    test('upserts are idempotent and a call is built from its legs and recordings', async () => {
      const rows = [leg('c1', T0 + 1000), leg('c1', T0 + 500, { callIdNum: 1, agentId: null })];
      const recs = [recording('c1', '/a/1.V3', T0 + 2000), recording('c1', '/a/2.V3', T0 + 3000)];
      await db.upsert('acme', rows, recs);
      await db.upsert('acme', rows, recs);
      assert.deepEqual(await db.counts('acme'), { calls: 1, recordings: 2, legs: 2 });
      const [c] = await db.search(base);
      assert.equal(c?.callId, 'c1');
      // The call's begin is its earliest CDR leg's, not its recordings'.
      assert.equal(c?.begin, T0 + 500);
      assert.equal(c?.end, T0 + 61_000);
      assert.deepEqual(
        c?.recordings.map((r) => r.fileName),
        ['/a/1.V3', '/a/2.V3'],
      );
      const detail = await db.call('acme', 'c1', [53]);
      assert.deepEqual(
        detail?.legs.map((l) => l.callIdNum),
        [1, -1],
      );
      assert.equal(await db.call('acme', 'c1', [54]), undefined);
      assert.equal(await db.call('globex', 'c1', [53]), undefined);
    });

    test('a call with recordings only takes its times from them; hidden rows build no call', async () => {
      await db.upsert('acme', [], [recording('c2', '/b/1.V3', T0 + 7000)]);
      await db.upsert('acme', [leg('c3', T0 + 8000, { visible: false, vdnId: 54 })], []);
      const ids = (await db.search(base)).map((c) => c.callId);
      assert.deepEqual(ids, ['c2', 'c1']);
      assert.equal((await db.search({ ...base, callId: 'c2' }))[0]?.begin, T0 + 7000);
    });

    test('a call merged across files: a later CDR moves its begin and fills its agent and numbers, and the first known stay', async () => {
      const at = T0 + 30_000;
      const unknown = { agentId: null, callerNo: null, calleeNo: null };
      await db.upsert('merged', [], [recording('m1', '/m/1.V3', at, unknown)]);
      const find = async (f: Record<string, unknown>) =>
        (await db.search({ ...base, tenant: 'merged', ...f }))
          .filter((c) => c.callId === 'm1')
          .map((c) => [c.begin, c.agentId]);
      assert.deepEqual(await find({ agentId: '3003' }), []);
      await db.upsert('merged', [leg('m1', at - 5000, { agentId: '3003', callerNo: '+86 139 0000 0009' })], []);
      assert.deepEqual(await find({}), [[at - 5000, '3003']]);
      assert.deepEqual(await find({ agentId: '3003' }), [[at - 5000, '3003']]);
      assert.deepEqual(await find({ callerDigits: '8613900000009', hasRecording: true }), [[at - 5000, '3003']]);
      assert.deepEqual(await find({ calleeDigits: '4008001234' }), [[at - 5000, '3003']]);
      // The begin's index moved with it: a window holding only the old begin no longer finds it.
      assert.deepEqual(await find({ from: at - 1000, to: at + 1000 }), []);
      // A later leg with another agent and an earlier begin: the first agent stays, the begin moves.
      await db.upsert('merged', [leg('m1', at - 9000, { callIdNum: 2, agentId: '4004' })], []);
      assert.deepEqual(await find({ agentId: '3003' }), [[at - 9000, '3003']]);
      assert.deepEqual(await find({ agentId: '4004' }), []);
      assert.equal((await db.call('merged', 'm1', [53]))?.end, at - 5000 + 60_000);
    });

    test('every filter', async () => {
      await db.upsert(
        'acme',
        [leg('f1', T0 + 10_000, { agentId: '2002', callerNo: '+86 139-0000-0001', calleeNo: '95555' })],
        [],
      );
      const ids = async (f: Record<string, unknown>) => (await db.search({ ...base, ...f })).map((c) => c.callId);
      assert.deepEqual(await ids({ agentId: '2002' }), ['f1']);
      assert.deepEqual(await ids({ callerDigits: '8613900000001' }), ['f1']);
      assert.deepEqual(await ids({ calleeDigits: '95555' }), ['f1']);
      assert.deepEqual(await ids({ numberDigits: '95555' }), ['f1']);
      assert.deepEqual(await ids({ numberDigits: '8613900000001' }), ['f1']);
      assert.deepEqual(await ids({ hasRecording: true }), ['c2', 'c1']);
      assert.ok((await ids({ hasRecording: false })).includes('f1'));
      assert.deepEqual(await ids({ vdnId: 54 }), []);
      assert.deepEqual(await ids({ from: T0 + 9000, to: T0 + 10_000 }), []);
      assert.deepEqual(await ids({ from: T0 + 10_000, to: T0 + 10_001 }), ['f1']);
      assert.deepEqual(await ids({ tenant: 'globex' }), []);
    });

    test('a page walk lists every match once while rows are added, ties broken by call id', async () => {
      const t = T0 + 3600_000;
      await db.upsert(
        'acme',
        Array.from({ length: 25 }, (_, i) => leg(`p${String(i).padStart(2, '0')}`, t + Math.floor(i / 5) * 1000)),
        [],
      );
      const seen: string[] = [];
      let after: { begin: number; callId: string } | undefined;
      for (let page = 0; ; page += 1) {
        const rows = await db.search({ ...base, from: t, to: t + 60_000, limit: 4, ...(after ? { after } : {}) });
        seen.push(...rows.map((r) => r.callId));
        if (page === 1)
          // Ingestion adds calls on both sides of the cursor meanwhile.
          await db.upsert('acme', [leg('new-late', t + 50_000), leg('new-early', t)], []);
        if (rows.length < 4) break;
        const last = rows[rows.length - 1]!;
        after = { begin: last.begin, callId: last.callId };
      }
      const expected = Array.from({ length: 25 }, (_, i) => `p${String(i).padStart(2, '0')}`);
      assert.equal(new Set(seen).size, seen.length, 'no call twice');
      for (const id of expected) assert.ok(seen.includes(id), `${id} listed`);
      // Newest first; within one second, call ids descending.
      assert.deepEqual(seen.slice(0, 5), ['p24', 'p23', 'p22', 'p21', 'p20']);
    });

    test('one lease holder at a time; a lapsed lease passes on', async () => {
      assert.equal(await db.lease('acme', 'a', 1000, 2000), true);
      assert.equal(await db.lease('acme', 'b', 1500, 2500), false);
      assert.equal(await db.lease('acme', 'a', 1500, 2500), true);
      assert.equal(await db.lease('acme', 'b', 2600, 3600), true);
      await db.releaseLease('acme', 'a');
      assert.equal(await db.lease('acme', 'a', 2700, 3700), false);
      await db.releaseLease('acme', 'b');
      assert.equal(await db.lease('acme', 'a', 2700, 3700), true);
    });

    test('job moves happen once', async () => {
      await db.insertJobs([job('11111111-1111-1111-1111-111111111111')]);
      const id = '11111111-1111-1111-1111-111111111111';
      assert.equal(await db.moveJob(id, ['queued'], { state: 'requested', responseId: 'r' }), true);
      assert.equal(await db.moveJob(id, ['queued'], { state: 'requested' }), false);
      assert.equal((await db.job(id))?.state, 'requested');
      assert.equal((await db.openJobs('acme')).length, 1);
      assert.equal(await db.moveJob(id, ['requested'], { state: 'done', rows: 5 }), true);
      assert.equal((await db.openJobs('acme')).length, 0);
      assert.equal((await db.recentJobs('acme', 5))[0]?.rows, 5);
    });

    test('retention deletes what is older, for the tenant only', async () => {
      await db.upsert('globex', [leg('g1', T0 - 86_400_000, { vdnId: 54 })], []);
      await db.upsert('acme', [leg('old', T0 - 86_400_000)], []);
      const deleted = await db.prune('acme', T0);
      assert.ok(deleted >= 2, 'the old call and its leg');
      assert.equal((await db.search({ ...base, from: T0 - 86_400_000, callId: 'old' })).length, 0);
      assert.equal((await db.search({ ...base, callId: 'c1' })).length, 1, 'c1 began after the cut');
      assert.equal((await db.counts('globex')).legs, 1);
    });
  });
}

contract('SQLite (node:sqlite)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'index-sqlite-'));
  const db = createSqliteIndexDb(dir);
  const done = async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { db, done };
});

let pgServer: PostgresServer | undefined;
contract('PostgreSQL', async () => {
  pgServer = await startPostgres();
  const db = createPostgresIndexDb({ url: pgServer.url, poolSize: 4, statementTimeoutMs: 5000 });
  const done = async () => {
    await db.close();
    await pgServer?.close();
  };
  return { db, done };
});
