/**
 * The index on a real PostgreSQL: the same searches as on the embedded engine, a database that
 * goes away (searches 503 with Retry-After, every other route unaffected, ingestion resuming by
 * itself when it returns), and the audit line of a search.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import request from 'supertest';
import { SEED } from '../../simulators/seed.js';
import { eventually } from '../helpers/eventually.js';
import { type IndexStack, simCall, startIndexStack } from '../helpers/index-stack.js';
import { type PostgresServer, startPostgres } from '../helpers/postgres.js';

const NOW = Date.now();
let offset = 0;
let postgres: PostgresServer;
let stack: IndexStack;
let auditDir: string;

before(async () => {
  postgres = await startPostgres();
  auditDir = mkdtempSync(join(tmpdir(), 'index-audit-'));
  stack = await startIndexStack({
    databaseUrl: postgres.url,
    now: () => Date.now() + offset,
    index: { intervalSec: 5 },
    configure(raw) {
      raw.audit = { destination: join(auditDir, 'audit.log') };
    },
  });
  stack.ccfs.bills.addCall(simCall(NOW, 30, { callId: '1777093663-000101', callerNo: '8613800138000' }));
  await stack.ingest();
  await eventually(async () => (await stack.gateway.ingestion!.status('acme')).rows.calls === 1, 'ingested');
});
after(async () => {
  await stack.close();
  await postgres.close();
  rmSync(auditDir, { recursive: true, force: true });
});

const range = () => ({ from: new Date(NOW - 86_400_000).toISOString(), to: new Date(NOW + 600_000).toISOString() });

test('a search is audited with its filters, numbers masked, and the count it returned', async () => {
  const res = await stack.search({ ...range(), number: '8613800138000' }).expect(200);
  assert.equal(res.body.items.length, 1);
  const lines = await eventually(() => {
    const text = readFileSync(join(auditDir, 'audit.log'), 'utf8');
    return text.includes('calls.search') ? text.trim().split('\n') : undefined;
  }, 'the audit line');
  const line = JSON.parse(lines.find((l) => l.includes('calls.search'))!);
  assert.equal(line.tenant, 'acme');
  assert.equal(line.subject, 'dev-acme');
  assert.equal(line.count, 1);
  assert.match(line.target, /\*\*\*\*8000/);
  assert.ok(!JSON.stringify(line).includes('8613800138000'), 'the full number is in no audit field');
  assert.ok(!stack.lines.some((l) => l.includes('8613800138000')), 'nor in any log line');
});

test('the database away: searches 503 with Retry-After, downloads go on, ingestion resumes when it returns', async () => {
  await postgres.stop();
  const details = await request(stack.url)
    .get('/readyz/details')
    .set('Authorization', `Bearer ${stack.token()}`)
    .expect(200);
  assert.equal(details.body.status, 'degraded', 'ready: the index is not the instance');
  assert.match(JSON.stringify(details.body.dependencies), /"name":"index-db","ok":false/);
  const down = await stack.search(range()).expect(503);
  assert.equal(down.body.code, 'UPSTREAM_UNAVAILABLE');
  assert.ok(Number(down.headers['retry-after']) > 0);
  await request(stack.url)
    .get('/v1/recordings')
    .query({ fileName: SEED.acme.recording })
    .set('Authorization', `Bearer ${stack.token()}`)
    .expect(200);
  // A round while it is away fails quietly; the next ones carry on.
  await stack.gateway.ingestion!.tick();
  await postgres.start();
  // A call of the last minute: inside the next window.
  stack.ccfs.bills.addCall(simCall(Date.now(), 1, { callId: '1777093663-000102' }));
  offset += 6000;
  await eventually(async () => {
    await stack.ingest();
    return (await stack.search(range())).body.items?.length === 2;
  }, 'the next window ingested after the database returned');
});
