/**
 * The call index end to end (contract 6): the simulator's queryBillData, its signed callback on
 * the gateway's callback listener, downloadBillFile's zip, the rows in the embedded database, and
 * the searches that find them and lead to a recording download.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { eventually } from '../helpers/eventually.js';
import { type IndexStack, simCall, startIndexStack } from '../helpers/index-stack.js';

const NOW = Date.now();

describe('the call index', () => {
  let stack: IndexStack;
  before(async () => {
    stack = await startIndexStack();
    const s = stack.ccfs.bills;
    s.addCall(
      simCall(NOW, 90, {
        callId: '1777093663-792075',
        recordings: [
          { originalFileName: 'Y:\\53\\0\\20261125\\1001\\4411224.V3' },
          { originalFileName: 'Y:\\53\\1\\20261125\\1001\\4411225.V3' },
        ],
      }),
    );
    s.addCall(
      simCall(NOW, 60, {
        callId: '1777093663-000001',
        agentId: '1002',
        callerNo: '8613900000001',
        recordings: [{ originalFileName: 'Y:\\53\\0\\20261125\\1001\\4411226.V3' }],
      }),
    );
    s.addCall(simCall(NOW, 30, { callId: '1777093663-000002', callerNo: '8613900000002' }));
    // Globex's call, on a VDN acme's AK does not own: the vendor leaves it out of acme's export.
    s.addCall(simCall(NOW, 20, { callId: '1777093664-000001', vdnId: 54 }));
    await stack.ingest();
    await eventually(async () => {
      await stack.ingest();
      const s = await stack.gateway.ingestion!.status('acme');
      return s.newestWindowEnd !== null && s.jobs.length === 0;
    }, 'the first window ingested');
  });
  after(() => stack.close());

  const day = () => ({ from: new Date(NOW - 86_400_000).toISOString(), to: new Date(NOW + 60_000).toISOString() });

  test('one queryBillData for the first window, its callback signed and answered with the success envelope', () => {
    const queries = stack.ccfs.seen('queryBillData');
    assert.equal(queries.length, 1);
    const body = JSON.parse(queries[0]!.body);
    assert.match(body.msgBody.beginTime, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    assert.match(
      body.msgBody.callBackURL,
      /^http:\/\/127\.0\.0\.1:\d+\/callbacks\/ccfs\/bill\/[0-9a-f-]{36}\/[A-Za-z0-9_-]{43}$/,
    );
    const job = [...stack.ccfs.bills.jobs.values()][0]!;
    assert.equal(job.callbacks[0]?.status, 200);
    assert.equal(JSON.parse(job.callbacks[0]!.body).resultCode, '0');
    assert.equal(stack.ccfs.seen('downloadBillFile').length, 1);
  });

  test('a day of the tenant, newest first, with times in its offset and download links', async () => {
    const res = await stack.search(day()).expect(200);
    assert.deepEqual(
      res.body.items.map((c: { callId: string }) => c.callId),
      ['1777093663-000002', '1777093663-000001', '1777093663-792075'],
    );
    const two = res.body.items[2];
    assert.match(two.begin, /\+08:00$/);
    assert.equal(two.durationSec, 218);
    assert.equal(two.recordings.length, 2);
    assert.equal(two.recordings[0].fileName, 'Y:/53/0/20261125/1001/4411224.V3');
    assert.equal(res.body.next, null);
    // The search leads to the recording: its download link serves the file.
    const file = await request(stack.url)
      .get(two.recordings[0].download)
      .set('Authorization', `Bearer ${stack.token()}`)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      })
      .expect(200);
    assert.deepEqual(file.body, stack.ccfs.store.read('Y:/53/0/20261125/1001/4411224.V3'));
  });

  test('by number on its digits, by agent, by callId, hasRecording', async () => {
    const ids = async (q: Record<string, string>) =>
      (await stack.search({ ...day(), ...q }).expect(200)).body.items.map((c: { callId: string }) => c.callId);
    assert.deepEqual(await ids({ number: '+86 139-0000-0001' }), ['1777093663-000001']);
    assert.deepEqual(await ids({ callerNo: '8613900000002' }), ['1777093663-000002']);
    assert.deepEqual(await ids({ agentId: '1002' }), ['1777093663-000001']);
    assert.deepEqual(await ids({ callId: '1777093663-792075' }), ['1777093663-792075']);
    assert.deepEqual(await ids({ hasRecording: 'false' }), ['1777093663-000002']);
  });

  test('pages follow next until null, each call once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string> = { ...day(), limit: '1', ...(cursor ? { cursor } : {}) };
      const res: { body: { items: Array<{ callId: string }>; next: string | null } } = await stack
        .search(query)
        .expect(200);
      seen.push(...res.body.items.map((c: { callId: string }) => c.callId));
      cursor = res.body.next;
    } while (cursor);
    assert.deepEqual(seen, ['1777093663-000002', '1777093663-000001', '1777093663-792075']);
  });

  test('one call with its legs', async () => {
    const res = await request(stack.url)
      .get('/v1/calls/1777093663-792075')
      .set('Authorization', `Bearer ${stack.token()}`)
      .expect(200);
    assert.equal(res.body.legs.length, 1);
    assert.equal(res.body.legs[0].deviceType, '2');
    assert.equal(res.body.recordings.length, 2);
    await request(stack.url)
      .get('/v1/calls/1777093664-000001')
      .set('Authorization', `Bearer ${stack.token()}`)
      .expect(404);
  });

  test('bad ranges, filters, limits and cursors are 400 naming them', async () => {
    const detail = async (q: Record<string, string>) => (await stack.search(q).expect(400)).body.detail as string;
    assert.match(await detail({ to: day().to }), /from/);
    assert.match(await detail({ ...day(), from: day().to, to: day().from }), /to must be after from/);
    assert.match(await detail({ from: '2026-01-01T00:00:00Z', to: '2026-03-01T00:00:00Z' }), /31 days/);
    assert.match(await detail({ ...day(), limit: '201' }), /limit/);
    assert.match(await detail({ ...day(), vdnId: '54' }), /vdnId/);
    assert.match(await detail({ ...day(), cursor: 'x'.repeat(60) }), /cursor/);
    // A cursor of another query is refused, not read.
    const first = await stack.search({ ...day(), limit: '1' }).expect(200);
    assert.match(await detail({ ...day(), agentId: '1001', limit: '1', cursor: first.body.next }), /cursor/);
  });

  test('a tenant whose index is off gets 404', async () => {
    const res = await stack.search(day(), 'globex').expect(404);
    assert.equal(res.body.code, 'NOT_FOUND');
  });
});
