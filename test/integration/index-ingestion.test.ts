/**
 * Ingestion against the simulator's own rules (contract 6.1, 6.5): the callback's checks, the
 * predicted name when no callback comes, hostile and corrupt zips, the CSV dialects, the vendor's
 * codes, backfill and status, isolation, and a read by call id held to the index.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import yazl from 'yazl';
import type { BillJob } from '../../simulators/ccfs/bills.js';
import { signAuthV2 } from '../../simulators/ccfs/verifier.js';
import { eventually } from '../helpers/eventually.js';
import { type IndexStack, simCall, startIndexStack } from '../helpers/index-stack.js';
import { ACCOUNTS } from '../helpers/stack.js';

const NOW = Date.now();

/** A clock the test moves: the gateway's, ahead of the simulator's by at most a few seconds. */
function clock() {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance: (ms: number) => {
      offset += ms;
    },
  };
}

function seed(stack: IndexStack) {
  stack.ccfs.bills.addCall(
    simCall(NOW, 45, {
      callId: '1777093663-792075',
      recordings: [
        { originalFileName: 'Y:\\53\\0\\20261125\\1001\\4411224.V3' },
        { originalFileName: 'Y:\\53\\1\\20261125\\1001\\4411225.V3' },
      ],
    }),
  );
  stack.ccfs.bills.addCall(simCall(NOW, 30, { callId: '1777093663-000001', recordings: [] }));
}

const onlyJob = (stack: IndexStack): BillJob => {
  const jobs = [...stack.ccfs.bills.jobs.values()];
  assert.equal(jobs.length, 1);
  return jobs[0]!;
};

const callbackBody = (job: BillJob, o: Record<string, unknown> = {}) =>
  JSON.stringify({
    request: { version: '2.0' },
    msgBody: { responseId: job.responseId, billFileName: job.billFileName, ...o },
  });

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const u = new URL(url);
  return request(u.origin)
    .post(u.pathname)
    .set('content-type', 'application/json;charset=UTF-8')
    .set(headers)
    .send(body);
}

async function rows(stack: IndexStack, tenant = 'acme') {
  return (await stack.gateway.ingestion!.status(tenant)).rows;
}

describe('the vendor callback', () => {
  let stack: IndexStack;
  let job: BillJob;
  before(async () => {
    // The simulator's callbacks wait for the test (index-stack.ts): this one sends its own.
    stack = await startIndexStack();
    seed(stack);
    await stack.gateway.ingestion!.tick();
    job = onlyJob(stack);
  });
  after(() => stack.close());

  test('forged, mismatched and oversized callbacks change nothing and reach no vendor call', async () => {
    const url = job.callBackURL;
    const [, , , , , , jobId, token] = new URL(url).pathname.split('/');
    const other = `${stack.callbackUrl}/callbacks/ccfs/bill/${jobId}/${'A'.repeat(43)}`;
    assert.equal((await post(other, callbackBody(job))).status, 404);
    const unknown = `${stack.callbackUrl}/callbacks/ccfs/bill/00000000-0000-0000-0000-000000000000/${token}`;
    assert.equal((await post(unknown, callbackBody(job))).status, 404);
    const bad = [
      callbackBody(job, { responseId: '9239cb50-a838-4bb0-ab50-3441bf089446' }),
      callbackBody(job, { billFileName: '../../etc/passwd.zip' }),
      callbackBody(job, { billFileName: '20261125_9239cb50a8384bb0ab503441bf089446.zip' }),
      callbackBody(job, { accountId: '100000001' }),
      'not json',
    ];
    for (const body of bad) {
      const res = await post(url, body);
      assert.equal(res.status, 400, body);
      assert.notEqual(res.body.resultCode, '0');
      assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
    }
    assert.equal((await post(url, `${callbackBody(job)}${' '.repeat(17 * 1024)}`)).status, 413);
    assert.equal(stack.ccfs.seen('downloadBillFile').length, 0);
    assert.equal((await rows(stack)).calls, 0);
    const status = await stack.gateway.ingestion!.status('acme');
    assert.equal(status.jobs[0]?.state, 'requested');
    // The metric counts each refusal by its kind.
    const counted = await stack.gateway.deps.metrics.indexCallbacks.get();
    const value = (o: string) => counted.values.find((v) => v.labels.outcome === o)?.value ?? 0;
    assert.equal(value('unknown'), 2);
    assert.equal(value('bad_content'), 5);
  });

  test('a good callback answers the success envelope at once, its repeats the same, one download', async () => {
    const res = await post(job.callBackURL, callbackBody(job));
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.text).resultCode, '0');
    await eventually(async () => (await rows(stack)).calls === 2, 'the zip ingested');
    const again = await post(job.callBackURL, callbackBody(job));
    assert.equal(again.status, 200);
    assert.equal(JSON.parse(again.text).resultCode, '0');
    assert.equal(stack.ccfs.seen('downloadBillFile').length, 1);
    // The token is nowhere in the logs.
    const token = job.callBackURL.split('/').pop()!;
    assert.ok(!stack.lines.some((l) => l.includes(token)));
  });
});

describe('callback signatures when enforced', () => {
  let stack: IndexStack;
  before(async () => {
    stack = await startIndexStack({ index: { callbackSignature: 'enforce' } });
    seed(stack);
    await stack.gateway.ingestion!.tick();
  });
  after(() => stack.close());

  test('an unsigned or wrongly signed callback is refused; the simulator’s signed one is taken', async () => {
    const job = onlyJob(stack);
    assert.equal((await post(job.callBackURL, callbackBody(job))).status, 400);
    const body = Buffer.from(callbackBody(job));
    const u = new URL(job.callBackURL);
    const headers = {
      host: u.host,
      'content-type': 'application/json;charset=UTF-8',
      'content-length': String(body.length),
    };
    const forged = signAuthV2({
      method: 'POST',
      rawUrl: u.pathname,
      headers,
      body,
      ak: ACCOUNTS.acme.ak,
      sk: 'not-the-sk',
      atMs: Date.now(),
    });
    assert.equal((await post(job.callBackURL, body.toString(), { authorization: forged })).status, 400);
    await stack.ccfs.bills.sendCallbacks();
    assert.equal(job.callbacks.at(-1)?.status, 200);
    await eventually(async () => (await rows(stack)).calls === 2, 'ingested after the signed callback');
  });
});

describe('no callback: the predicted file name', () => {
  const c = clock();
  let stack: IndexStack;
  before(async () => {
    stack = await startIndexStack({ now: c.now, index: { callbackTimeoutSec: 2 } });
    seed(stack);
  });
  after(() => stack.close());

  test('after callbackTimeoutSec the gateway downloads yyyyMMdd_{responseId}.zip itself', async () => {
    await stack.gateway.ingestion!.tick();
    await stack.gateway.ingestion!.tick();
    assert.equal(stack.ccfs.seen('downloadBillFile').length, 0, 'not before the timeout');
    c.advance(3000);
    await stack.gateway.ingestion!.tick();
    const job = onlyJob(stack);
    const asked = stack.ccfs.seen('downloadBillFile').map((r) => JSON.parse(r.body).msgBody.billFileName);
    assert.ok(asked.includes(job.billFileName), `asked for ${asked.join(', ')}`);
    assert.equal((await rows(stack)).calls, 2);
  });
});

function zipOf(entries: Array<[string, Buffer]>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, data] of entries) zip.addBuffer(data, name);
  zip.end();
  return Readable.from(zip.outputStream as unknown as AsyncIterable<Buffer>)
    .toArray()
    .then((parts) => Buffer.concat(parts as Buffer[]));
}

describe('hostile and corrupt zips', () => {
  const c = clock();
  let stack: IndexStack;
  before(async () => {
    stack = await startIndexStack({ now: c.now, index: { zip: { maxEntries: 5 } } });
    seed(stack);
  });
  after(() => stack.close());

  test('each ingests nothing, is logged with its job, and leaves the job retriable; the real zip then goes in', async () => {
    const csv = Buffer.from(
      'AK,,1,1001,9999999999-1,1,2,2026-11-25 09:00:00,2026-11-25 09:01:00,/x,0,,Y:\\53\\0\\x.V3,53\n',
    );
    const bomb = Buffer.alloc(40 * 1024 * 1024, 0x30);
    const hostile = [
      // yazl will not write a `..` name: written with a harmless one, then patched in place.
      Buffer.from(
        (await zipOf([['aaaaaa20261125000000000123_record_1.csv', csv]]))
          .toString('latin1')
          .replaceAll('aaaaaa', '../../'),
        'latin1',
      ),
      await zipOf([['20261125000000000123_record_1.csv', bomb]]),
      await zipOf(Array.from({ length: 6 }, (_, i): [string, Buffer] => [`2026112500000000012${i}_record_1.csv`, csv])),
      Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(100, 7)]),
    ];
    // The good zip, one byte changed inside its first entry: its CRC fails.
    const good = await zipOf([
      ['20261125000000000123_record_1.csv', Buffer.concat(Array.from({ length: 50 }, () => csv))],
    ]);
    const corrupt = Buffer.from(good);
    corrupt[100] = corrupt[100]! ^ 0xff;
    stack.ccfs.bills.overrides.push(...hostile, corrupt);
    await stack.ingest();
    for (let i = 0; i < hostile.length + 1; i += 1) {
      await eventually(
        async () => {
          const s = await stack.gateway.ingestion!.status('acme');
          return s.jobs[0]?.attempts === i + 1 && s.jobs[0]?.state === 'ready';
        },
        `attempt ${i + 1} failed and left the job ready`,
      );
      assert.equal((await rows(stack)).calls, 0, 'nothing ingested');
      c.advance(60_000);
      await stack.ingest();
    }
    await eventually(async () => (await rows(stack)).calls === 2, 'the real zip ingested');
    const refusals = stack.lines.filter((l) => l.includes('a bill file was not ingested'));
    assert.equal(refusals.length, hostile.length + 1);
    for (const l of refusals) assert.match(l, /"job":"[0-9a-f-]{36}"/);
    assert.ok(refusals.some((l) => /unexpected entry|invalid relative path/.test(l)));
    assert.ok(refusals.some((l) => /inflates more than/.test(l)));
    assert.ok(refusals.some((l) => /entries, more than 5/.test(l)));
    assert.ok(refusals.some((l) => /CRC|invalid|not a readable zip/i.test(l)));
  });
});

describe('CSV dialects', () => {
  for (const [name, quirks] of [
    [
      'a header row, a BOM, CRLF, quoted fields with commas, extra columns',
      { header: true, bom: true, crlf: true, quoted: true, extraColumns: 3 },
    ],
    ['GB18030 text', { gb18030: true }],
    ['a pre-22.100 site with 13 index columns', { oldSite: true, header: true }],
  ] as const) {
    test(name, async () => {
      const stack = await startIndexStack();
      try {
        stack.ccfs.bills.quirks = quirks;
        seed(stack);
        stack.ccfs.bills.addCall(simCall(NOW, 10, { callId: 'gb-1', agentId: '你好' }));
        await stack.ingest();
        await eventually(async () => (await rows(stack)).calls === 3, 'ingested');
        const call = await request(stack.url)
          .get('/v1/calls/1777093663-792075')
          .set('Authorization', `Bearer ${stack.token()}`)
          .expect(200);
        assert.equal(call.body.recordings.length, 2);
        assert.equal(call.body.callerNo, '8613800138000');
        assert.equal(call.body.recordings[0].fileName, 'Y:/53/0/20261125/1001/4411224.V3');
        const gb = await request(stack.url)
          .get('/v1/calls/gb-1')
          .set('Authorization', `Bearer ${stack.token()}`)
          .expect(200);
        assert.equal(gb.body.agentId, '你好');
      } finally {
        await stack.close();
      }
    });
  }
});

describe("the vendor's codes", () => {
  test('flow control backs off and retries; a 401 stops the tenant until the next interval', async () => {
    const c = clock();
    const stack = await startIndexStack({ now: c.now });
    try {
      seed(stack);
      stack.ccfs.injectFault({ operation: 'queryBillData', resultCode: '0300009' });
      await stack.ingest();
      let s = await stack.gateway.ingestion!.status('acme');
      assert.equal(s.jobs[0]?.state, 'queued');
      assert.equal(s.lastError?.code, '0300009');
      await stack.ingest();
      assert.equal(stack.ccfs.seen('queryBillData').length, 1, 'not again before the back-off');
      c.advance(2000);
      await stack.ingest();
      await eventually(async () => (await rows(stack)).calls === 2, 'ingested after the back-off');

      // A 401: the tenant stops, no vendor call until the interval has passed.
      stack.ccfs.injectFault({ operation: 'queryBillData', status: 401 });
      c.advance(3600_000 + 1000);
      await stack.ingest();
      s = await stack.gateway.ingestion!.status('acme');
      assert.ok(s.pausedUntil !== null, 'paused');
      const asked = stack.ccfs.seen('queryBillData').length;
      c.advance(60_000);
      await stack.ingest();
      assert.equal(stack.ccfs.seen('queryBillData').length, asked);
      assert.ok(
        stack.lines.some((l) => l.includes('"code":"HTTP 401"') && l.includes('stops until the next interval')),
      );
    } finally {
      await stack.close();
    }
  });
});

describe('backfill, status and isolation', () => {
  let stack: IndexStack;
  before(async () => {
    stack = await startIndexStack();
    seed(stack);
    stack.ccfs.bills.addCall(
      simCall(NOW, 20, {
        callId: '1777093663-000003',
        recordings: [
          { originalFileName: 'Y:\\53\\0\\20261125\\1001\\4411226.V3' },
          { originalFileName: 'Y:\\54\\0\\20261125\\2001\\5500001.V3', vdnId: 54 },
        ],
      }),
    );
    stack.ccfs.bills.addCall(
      simCall(NOW, 4 * 1440, {
        callId: '1777093663-000009',
        recordings: [{ originalFileName: 'Y:\\53\\0\\20261121\\1001\\4410001.V3' }],
      }),
    );
    await stack.ingest();
    await eventually(async () => (await rows(stack)).calls === 3, 'the schedule first');
  });
  after(() => stack.close());

  const admin = () => `Bearer ${stack.token()}`;

  test('backfill splits the period into vendor windows and runs behind the schedule', async () => {
    const from = new Date(NOW - 5 * 86_400_000).toISOString();
    const to = new Date(NOW - 86_400_000).toISOString();
    const res = await request(stack.url)
      .post('/v1/index/backfill')
      .set('Authorization', admin())
      .send({ from, to })
      .expect(202);
    assert.equal(res.body.windows, 2);
    for (let i = 0; i < 2; i += 1) {
      await stack.ingest();
      await eventually(
        async () => (await stack.gateway.ingestion!.status('acme')).jobs.every((j) => j.state === 'queued'),
        'a window done',
      );
    }
    await eventually(async () => (await rows(stack)).calls === 4, 'the earlier call ingested');
    const windows = stack.ccfs.seen('queryBillData').map((r) => JSON.parse(r.body).msgBody);
    assert.equal(windows.length, 3);
    for (const w of windows)
      assert.ok(
        Date.parse(`${w.endTime.replace(' ', 'T')}Z`) - Date.parse(`${w.beginTime.replace(' ', 'T')}Z`) <
          72 * 3600_000 + 1,
      );
    const status = await request(stack.url).get('/v1/index/status').set('Authorization', admin()).expect(200);
    assert.equal(status.body.enabled, true);
    assert.equal(status.body.engine, 'sqlite');
    assert.equal(status.body.rows.calls, 4);
    assert.match(status.body.newestWindowEnd, /\+08:00$/);
  });

  test('bad backfills are 400 and queue nothing', async () => {
    const bad = [
      { from: new Date(NOW).toISOString(), to: new Date(NOW + 86_400_000).toISOString() },
      { from: new Date(NOW - 200 * 86_400_000).toISOString(), to: new Date(NOW - 86_400_000).toISOString() },
      { from: 'yesterday', to: new Date(NOW).toISOString() },
    ];
    for (const body of bad)
      await request(stack.url).post('/v1/index/backfill').set('Authorization', admin()).send(body).expect(400);
    assert.equal((await stack.gateway.ingestion!.status('acme')).jobs.length, 0);
    await request(stack.url)
      .get('/v1/index/status')
      .set('Authorization', `Bearer ${stack.token('acme', ['calls:read'])}`)
      .expect(403);
  });

  test("a recording outside the tenant's VDNs and rule is never shown, and a read of its call by id is refused before the vendor", async () => {
    const res = await stack
      .search({
        from: new Date(NOW - 86_400_000).toISOString(),
        to: new Date(NOW).toISOString(),
        callId: '1777093663-000003',
      })
      .expect(200);
    assert.deepEqual(
      res.body.items[0].recordings.map((r: { fileName: string }) => r.fileName),
      ['Y:/53/0/20261125/1001/4411226.V3'],
    );
    const hidden = await stack.gateway.deps.metrics.indexRows.get();
    assert.ok(hidden.values.some((v) => v.labels.outcome === 'hidden' && v.value >= 1));
    const before = stack.ccfs.seen('downloadRecord').length;
    const refused = await request(stack.url)
      .get('/v1/calls/1777093663-000003/recordings')
      .set('Authorization', `Bearer ${stack.token()}`)
      .expect(403);
    assert.equal(refused.body.code, 'PATH_FORBIDDEN');
    assert.match(refused.body.detail, /index/);
    assert.equal(stack.ccfs.seen('downloadRecord').length, before);
    // A call whose indexed recordings are all inside is read as before.
    await request(stack.url)
      .get('/v1/calls/1777093663-792075/recordings')
      .set('Authorization', `Bearer ${stack.token()}`)
      .expect(200);
  });
});

describe('masked numbers', () => {
  test('a tenant with maskNumbers gets the last four digits; a search by the full number still finds the call', async () => {
    const stack = await startIndexStack({
      configure(raw) {
        raw.tenants.find((t: { id: string }) => t.id === 'acme').index.maskNumbers = true;
      },
    });
    try {
      seed(stack);
      await stack.ingest();
      await eventually(async () => (await rows(stack)).calls === 2, 'ingested');
      const res = await stack
        .search({
          from: new Date(NOW - 86_400_000).toISOString(),
          to: new Date(NOW).toISOString(),
          number: '8613800138000',
        })
        .expect(200);
      assert.equal(res.body.items.length, 2);
      for (const c of res.body.items) {
        assert.equal(c.callerNo, '****8000');
        assert.equal(c.calleeNo, '****1234');
      }
      const one = await request(stack.url)
        .get('/v1/calls/1777093663-000001')
        .set('Authorization', `Bearer ${stack.token()}`)
        .expect(200);
      assert.equal(one.body.callerNo, '****8000');
      assert.ok(!JSON.stringify(one.body).includes('8613800138000'));
    } finally {
      await stack.close();
    }
  });
});

describe('callback tokens guessed', () => {
  test('an address that keeps sending unknown tokens meets the failed-authentication budget: 429 before any lookup', async () => {
    const stack = await startIndexStack({
      configure(raw) {
        raw.auth.failedAuthLimit = { burst: 3, perMinute: 1, overBudgetVerificationsPerMinute: 1 };
      },
    });
    try {
      seed(stack);
      await stack.gateway.ingestion!.tick();
      const job = onlyJob(stack);
      const [, , , , , , jobId] = new URL(job.callBackURL).pathname.split('/');
      const statuses: number[] = [];
      for (let i = 0; i < 6; i += 1) {
        const res = await post(
          `${stack.callbackUrl}/callbacks/ccfs/bill/${jobId}/${'B'.repeat(42)}${i}`,
          callbackBody(job),
        );
        statuses.push(res.status);
        if (res.status === 429) assert.ok(Number(res.headers['retry-after']) > 0);
      }
      assert.deepEqual(statuses.slice(0, 3), [404, 404, 404]);
      assert.ok(statuses.slice(3).includes(429), statuses.join(','));
      assert.equal(stack.ccfs.seen('downloadBillFile').length, 0);
    } finally {
      await stack.close();
    }
  });
});
