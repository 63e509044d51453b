/** The CC-FS simulator refuses what the vendor refuses (cc-protocol 1 and 3). */

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { request as undiciRequest } from 'undici';
import { CcfsSimulator } from '../../simulators/ccfs/server.js';
import { verifyAuthV2 } from '../../simulators/ccfs/verifier.js';
import { SEED, seedCcfs } from '../../simulators/seed.js';
import { wavFromEncoded } from '../../simulators/shared/audio.js';
import { authorization, formatTimestamp } from '../../src/upstream/signing/auth-v2.js';
import { eventually } from '../helpers/eventually.js';

const vectors = JSON.parse(readFileSync(new URL('../vectors/auth-v2.json', import.meta.url), 'utf8'));
const ACME = { ak: 'AK-A', sk: 'SK-acme', vdnIds: [53] };
const GLOBEX = { ak: 'AK-G', sk: 'SK-globex', vdnIds: [54] };
let clock = Date.now();
let sim: CcfsSimulator;
let host = '';

before(async () => {
  sim = new CcfsSimulator({
    root: mkdtempSync(join(tmpdir(), 'sim-')),
    accounts: [ACME, GLOBEX],
    now: () => clock,
    skewMs: 60_000,
  });
  const url = await sim.listen();
  host = new URL(url).host;
  await seedCcfs(sim);
});
after(async () => {
  await sim.close();
});

test('the verifier, written apart from the signer, accepts every reference vector at its own time', () => {
  for (const v of vectors.vectors) {
    const query = new URLSearchParams(v.query).toString();
    const headers = Object.fromEntries(
      Object.entries(v.headers as Record<string, string>).map(([k, val]) => [k.toLowerCase(), val]),
    );
    const req = {
      method: v.method,
      url: v.path + (query ? `?${query}` : ''),
      headers: { ...headers, authorization: v.authorization },
    } as unknown as IncomingMessage;
    const at = Date.parse(v.timestamp);
    const ok = verifyAuthV2(req, Buffer.from(v.body), {
      secretFor: () => vectors.sk,
      nowMs: at,
      skewMs: 1000,
      required: ['host'],
    });
    assert.deepEqual(ok, { ok: true, ak: vectors.ak }, v.title);
    const bad = verifyAuthV2(req, Buffer.from(`${v.body} `), {
      secretFor: () => vectors.sk,
      nowMs: at,
      skewMs: 1000,
      required: ['host'],
    });
    assert.equal(bad.ok, false);
  }
});

interface Call {
  op: string;
  body?: string;
  headers?: Record<string, string>;
  sign?: Partial<{ ak: string; sk: string; at: number; signed: Record<string, string>; signedBody: string }>;
  query?: Record<string, string>;
}

async function call({ op, body, headers = {}, sign = {}, query }: Call) {
  const text = body ?? JSON.stringify({ request: { version: '2.0' }, msgBody: {} });
  const path = `/CCFS/resource/ccfs/${op}`;
  const sent = {
    host,
    'content-type': 'application/json;charset=UTF-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  };
  const signed = sign.signed ?? sent;
  const auth = authorization(
    {
      ak: sign.ak ?? ACME.ak,
      timestamp: formatTimestamp(sign.at ?? clock),
      method: 'POST',
      path,
      query,
      headers: signed,
      body: sign.signedBody ?? text,
    },
    sign.sk ?? ACME.sk,
  );
  const qs = query ? `?${new URLSearchParams(query)}` : '';
  const res = await undiciRequest(`${sim.url}${path}${qs}`, {
    method: 'POST',
    headers: { ...sent, authorization: auth },
    body: text,
  });
  const buf = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, buf, json: () => JSON.parse(buf.toString()) };
}
const env = (msgBody: object) => JSON.stringify({ request: { version: '2.0' }, msgBody });
const dl = (fileName: string) => env({ fileName });

test('a correctly signed download succeeds (the baseline the refusals below differ from)', async () => {
  const r = await call({ op: 'downloadRecord', body: dl(SEED.acme.recording) });
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /octet-stream/i);
  assert.equal(r.buf.toString('latin1', 0, 4), 'RIFF');
});

const refusals: Array<[string, Call]> = [
  ['a wrong secret key', { op: 'downloadRecord', body: dl(SEED.acme.recording), sign: { sk: 'wrong' } }],
  ['an unknown access key', { op: 'downloadRecord', body: dl(SEED.acme.recording), sign: { ak: 'AK-NOBODY' } }],
  [
    'a body that differs from what was signed',
    { op: 'downloadRecord', body: dl(SEED.acme.recording), sign: { signedBody: dl('Y:/53/0/x.V3') } },
  ],
  [
    'a Host that differs from the signed one',
    {
      op: 'downloadRecord',
      body: dl(SEED.acme.recording),
      sign: {
        signed: {
          host: '10.0.0.1:28443',
          'content-type': 'application/json;charset=UTF-8',
          'content-length': String(dl(SEED.acme.recording).length),
        },
      },
    },
  ],
  [
    'content-type not signed',
    {
      op: 'downloadRecord',
      body: dl(SEED.acme.recording),
      sign: { signed: { host: 'H', 'content-length': String(dl(SEED.acme.recording).length) } },
    },
  ],
  [
    'a signed header that was not sent',
    {
      op: 'downloadRecord',
      body: dl(SEED.acme.recording),
      sign: {
        signed: {
          host: 'H',
          'content-type': 'application/json;charset=UTF-8',
          'content-length': String(dl(SEED.acme.recording).length),
          'x-extra': '1',
        },
      },
    },
  ],
  [
    'a timestamp outside the window',
    { op: 'downloadRecord', body: dl(SEED.acme.recording), sign: { at: clock - 61_000 } },
  ],
  ['a timestamp in the future', { op: 'downloadRecord', body: dl(SEED.acme.recording), sign: { at: clock + 61_000 } }],
  [
    'a charset rewritten after signing',
    {
      op: 'downloadRecord',
      body: dl(SEED.acme.recording),
      headers: { 'content-type': 'application/json; charset=utf-8' },
      sign: {
        signed: {
          host: 'H',
          'content-type': 'application/json;charset=UTF-8',
          'content-length': String(dl(SEED.acme.recording).length),
        },
      },
    },
  ],
];
for (const [name, c] of refusals) {
  test(`HTTP 401: ${name}`, async () => {
    if (c.sign?.signed && c.sign.signed.host === 'H') c.sign.signed.host = host;
    const r = await call(c);
    assert.equal(r.status, 401);
    assert.equal(sim.requests.at(-1)!.ak, undefined);
  });
}

test('an unsigned request is 401', async () => {
  const res = await undiciRequest(`${sim.url}/CCFS/resource/ccfs/downloadRecord`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: dl(SEED.acme.recording),
  });
  await res.body.dump();
  assert.equal(res.statusCode, 401);
});

test('appId ownership: another account\'s file is "no data found"', async () => {
  const r = await call({ op: 'downloadRecord', body: dl(SEED.globex.recording) });
  assert.equal(r.json().resultCode, '0300012');
  const mine = await call({
    op: 'downloadRecord',
    body: dl(SEED.globex.recording),
    sign: { ak: GLOBEX.ak, sk: GLOBEX.sk },
  });
  assert.equal(mine.status, 200);
});

test('vendor envelope rules: version, msgBody, null, empty and too long parameters', async () => {
  const code = async (body: string) => (await call({ op: 'downloadRecord', body })).json().resultCode;
  assert.equal(await code(JSON.stringify({ request: { version: '1.0' }, msgBody: { fileName: 'x' } })), '0300006');
  assert.equal(await code(JSON.stringify({ request: { version: '2.0' } })), '0300001');
  assert.equal(await code(env({})), '0300001');
  assert.equal(await code(env({ fileName: '' })), '0300002');
  assert.equal(await code(env({ fileName: `Y:/53/${'a'.repeat(230)}` })), '0300003');
  assert.equal(await code(env({ callId: 'x'.repeat(26) })), '0300003');
  assert.equal(await code(dl('Y:/53/0/1/1/none.V3')), '0300011');
  assert.equal(await code('not json'), '0300007');
});

test('by callId: several recordings are a zip, one is the file, none is 0300012', async () => {
  const zip = await call({ op: 'downloadRecord', body: env({ callId: SEED.acme.twoRecordingCall }) });
  assert.deepEqual([...zip.buf.subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04]);
  const one = await call({ op: 'downloadRecord', body: env({ callId: SEED.acme.oneRecordingCall }) });
  assert.equal(one.buf.toString('latin1', 0, 4), 'RIFF');
  assert.equal((await call({ op: 'downloadRecord', body: env({ callId: 'unknown' }) })).json().resultCode, '0300012');
});

test('ivr/downloadFile mode 1: exactly one file in the folder, else an error; the path rule applies', async () => {
  const ok = await call({ op: 'ivr/downloadFile', body: env({ filePath: SEED.acme.ivrDir, mode: '1' }) });
  assert.equal(ok.buf.toString('latin1', 0, 4), 'RIFF');
  assert.equal(
    (await call({ op: 'ivr/downloadFile', body: env({ filePath: SEED.acme.ivrCrowdedDir, mode: 1 }) })).json()
      .resultCode,
    '0300004',
  );
  assert.equal(
    (await call({ op: 'ivr/downloadFile', body: env({ filePath: 'Y:/voice/53/IVRrecordFile/empty', mode: 1 }) })).json()
      .resultCode,
    '0300011',
  );
  assert.equal(
    (await call({ op: 'ivr/downloadFile', body: env({ filePath: SEED.acme.ivrDir }) })).json().resultCode,
    '0300011',
    'without mode a folder is not a file',
  );
  assert.equal(
    (await call({ op: 'ivr/downloadFile', body: env({ filePath: SEED.acme.recording }) })).json().resultCode,
    '0300012',
    'outside the third-party rule',
  );
});

test('playVoice: tokens last 30 minutes; errors are JSON sent as octet-stream', async () => {
  const t = (await call({ op: 'requestPlayVoice', body: dl(SEED.acme.recording) })).json().resultData.token as string;
  const play = async (st: string, version = '2.0') => {
    const res = await undiciRequest(`${sim.url}/CCFS/resource/ccfs/playVoice?t=1&version=${version}&st=${st}`);
    return { type: String(res.headers['content-type']), buf: Buffer.from(await res.body.arrayBuffer()) };
  };
  assert.equal((await play(t)).buf.toString('latin1', 0, 4), 'RIFF');
  const empty = await play('');
  assert.equal(empty.type, 'application/octet-stream');
  assert.equal(JSON.parse(empty.buf.toString()).resultCode, '010106');
  const saved = clock;
  clock += 29 * 60_000;
  assert.equal((await play(t)).buf.toString('latin1', 0, 4), 'RIFF');
  clock = saved + 30 * 60_000;
  assert.equal(JSON.parse((await play(t)).buf.toString()).resultCode, '010107');
  clock = saved;
});

test('faults: latency, a 5xx page, a malformed body, and a reset after N bytes', async () => {
  sim.injectFault({ operation: 'downloadRecord', latencyMs: 300 });
  const t0 = Date.now();
  await call({ op: 'downloadRecord', body: dl(SEED.acme.recording) });
  assert.ok(Date.now() - t0 >= 290);
  sim.injectFault({ operation: 'downloadRecord', status: 503 });
  assert.equal((await call({ op: 'downloadRecord', body: dl(SEED.acme.recording) })).status, 503);
  sim.injectFault({ operation: 'requestPlayVoice', malformed: true });
  const mal = await call({ op: 'requestPlayVoice', body: dl(SEED.acme.recording) });
  assert.throws(() => mal.json());
  sim.injectFault({ operation: 'downloadRecord', resetAfterBytes: 1000 });
  await assert.rejects(call({ op: 'downloadRecord', body: dl(SEED.acme.recording) }));
  assert.equal((await call({ op: 'downloadRecord', body: dl(SEED.acme.recording) })).status, 200, 'a fault is used up');
});

test('ivr/uploadFile: stores a vendor-format WAV under the upload rule and answers its name', async () => {
  const wav = wavFromEncoded(Buffer.alloc(800, 0xd5));
  const r = await call({ op: 'ivr/uploadFile', body: env({ data: wav.toString('base64') }), query: { vdnId: '53' } });
  assert.equal(r.json().resultCode, '0');
  const { fileName, locationId } = r.json().resultData;
  assert.match(fileName, /^Y:\/3rdfile\/53\/thirdvoicebotfile\/\d+\.wav$/);
  assert.equal(locationId, '1');
  assert.ok(sim.store.read(fileName).equals(wav));
  const back = await call({ op: 'ivr/downloadFile', body: env({ filePath: fileName }) });
  assert.ok(back.buf.equals(wav), 'readable through ivr/downloadFile');
});

test('ivr/uploadFile refuses with the vendor code for each fault, and stores nothing', async () => {
  const wav = wavFromEncoded(Buffer.alloc(80, 0xd5)).toString('base64');
  const stereo = wavFromEncoded(Buffer.alloc(80, 0xd5));
  stereo.writeUInt16LE(2, 22);
  const before = sim.uploads.length;
  const cases: Array<[string, Call, string]> = [
    ['no vdnId', { op: 'ivr/uploadFile', body: env({ data: wav }) }, '0300001'],
    ['vdnId not a number', { op: 'ivr/uploadFile', body: env({ data: wav }), query: { vdnId: 'x' } }, '0300004'],
    ['a VDN of another appId', { op: 'ivr/uploadFile', body: env({ data: wav }), query: { vdnId: '54' } }, '0300012'],
    ['no data', { op: 'ivr/uploadFile', body: env({}), query: { vdnId: '53' } }, '0300001'],
    ['data not base64', { op: 'ivr/uploadFile', body: env({ data: 'abc$' }), query: { vdnId: '53' } }, '0300004'],
    ['empty data', { op: 'ivr/uploadFile', body: env({ data: '' }), query: { vdnId: '53' } }, '0300002'],
    [
      'not a WAV',
      { op: 'ivr/uploadFile', body: env({ data: Buffer.alloc(60, 1).toString('base64') }), query: { vdnId: '53' } },
      '0300004',
    ],
    [
      'stereo',
      { op: 'ivr/uploadFile', body: env({ data: stereo.toString('base64') }), query: { vdnId: '53' } },
      '0300004',
    ],
    [
      'over the size limit',
      {
        op: 'ivr/uploadFile',
        body: env({ data: wavFromEncoded(Buffer.alloc(5 * 1024 * 1024, 0xd5)).toString('base64') }),
        query: { vdnId: '53' },
      },
      '0300003',
    ],
  ];
  for (const [name, c, code] of cases) assert.equal((await call(c)).json().resultCode, code, name);
  const unsigned = await call({
    op: 'ivr/uploadFile',
    body: env({ data: wav }),
    query: { vdnId: '53' },
    sign: { signedBody: env({ data: 'AAAA' }) },
  });
  assert.equal(unsigned.status, 401, 'the signature covers the body');
  assert.equal(sim.uploads.length, before, 'nothing was stored');
});

test('queryBillData: the 3-day window, 0300013 for an end before the begin, formats, a signed callback after it', async () => {
  const query = (msgBody: object, sign = {}) => call({ op: 'queryBillData', body: env(msgBody), sign });
  const got: Array<{ headers: IncomingMessage['headers']; body: Buffer; url: string }> = [];
  const { createServer } = await import('node:http');
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks), url: req.url ?? '' });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"resultCode":"0"}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const callBackURL = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/cb/job/token`;
  try {
    const window = { beginTime: '2026-11-25 00:00:00', endTime: '2026-11-26 00:00:00', callBackURL };
    assert.equal((await query({ ...window, endTime: '2026-11-24 00:00:00' })).json().resultCode, '0300013');
    assert.equal((await query({ ...window, endTime: '2026-11-29 00:00:01' })).json().resultCode, '0300004');
    assert.equal((await query({ ...window, beginTime: '2026-11-25T00:00:00' })).json().resultCode, '0300004');
    assert.equal((await query({ ...window, callBackURL: 'not a url' })).json().resultCode, '0300004');
    assert.equal((await query({ ...window, dataType: 'everything' })).json().resultCode, '0300004');
    const { beginTime: _b, ...noBegin } = window;
    assert.equal((await query(noBegin)).json().resultCode, '0300001');
    const unsigned = await undiciRequest(`${sim.url}/CCFS/resource/ccfs/queryBillData`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: env(window),
    });
    assert.equal(unsigned.statusCode, 401);
    await unsigned.body.dump();
    sim.injectFault({ operation: 'queryBillData', resultCode: '0300009' });
    assert.equal((await query(window)).json().resultCode, '0300009', 'flow control on demand');
    const ok = (await query({ ...window, accountId: '100000001' })).json();
    assert.equal(ok.resultCode, '0');
    const responseId = ok.resultData.responseId as string;
    // The callback: signed with the account's AK/SK, checked here with the simulator's own verifier.
    const arrived = await eventually(() => got[0], 'the callback came');
    const body = JSON.parse(arrived.body.toString());
    assert.equal(body.msgBody.responseId, responseId);
    assert.equal(body.msgBody.accountId, '100000001');
    assert.match(body.msgBody.billFileName, new RegExp(`^\\d{8}_${responseId.replace(/-/g, '')}\\.zip$`));
    const verdict = verifyAuthV2(
      { method: 'POST', url: arrived.url, headers: arrived.headers } as IncomingMessage,
      arrived.body,
      {
        secretFor: (ak) => (ak === ACME.ak ? ACME.sk : undefined),
        nowMs: Date.now(),
        skewMs: 60_000,
        required: ['content-length', 'content-type', 'host'],
      },
    );
    assert.deepEqual(verdict, { ok: true, ak: ACME.ak });
    // Its zip is the account's own: another account's AK gets 0300011, the owner a zip.
    const download = (sign = {}) =>
      call({ op: 'downloadBillFile', body: env({ billFileName: body.msgBody.billFileName }), sign });
    assert.equal((await download({ ak: GLOBEX.ak, sk: GLOBEX.sk })).json().resultCode, '0300011');
    const zip = await download();
    assert.equal(zip.status, 200);
    assert.equal(zip.buf.subarray(0, 4).toString('latin1'), 'PK\u0003\u0004');
    assert.equal(
      (await call({ op: 'downloadBillFile', body: env({ billFileName: '../x.zip' }) })).json().resultCode,
      '0300004',
    );
  } finally {
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
});
