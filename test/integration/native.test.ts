/**
 * Contract 3.7 against the CC-FS simulator: a partner's envelope for each operation reaches the
 * vendor signed for the right tenant, carrying only what the gateway put there; the vendor's
 * answer comes back untouched; every refusal is made without calling the vendor.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { SEED } from '../../simulators/seed.js';
import { demoRecording, wavFromEncoded } from '../../simulators/shared/audio.js';
import { binaryBody, download } from '../helpers/download.js';
import { eventually } from '../helpers/eventually.js';
import { rawRequest } from '../helpers/raw-http.js';
import { activeStreams, type Stack, startStack } from '../helpers/stack.js';

const envelope = (msgBody: unknown) => ({ request: { version: '2.0' }, msgBody });
const SIGNED_ONLY = ['authorization', 'connection', 'content-length', 'content-type', 'host'];

describe('native CC-FS pass-through (contract 3.7)', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack.close();
  });

  const native = (
    op: string,
    body: unknown,
    opts: { tenant?: string; query?: string; scopes?: string[]; headers?: Record<string, string> } = {},
  ) => {
    const req = request(stack.url)
      .post(`/v1/ccfs/${op}${opts.query ?? ''}`)
      .set('Authorization', `Bearer ${stack.token(opts.tenant ?? 'acme', opts.scopes)}`)
      .set(opts.headers ?? {});
    return (
      typeof body === 'string' ? req.set('Content-Type', 'application/json').send(body) : req.send(body as object)
    )
      .buffer(true)
      .parse(binaryBody);
  };
  const last = () => stack.ccfs.requests.at(-1)!;
  const json = (res: { body: Buffer }) => JSON.parse(res.body.toString('utf8'));

  it('downloadRecord: the vendor gets a valid signature for the tenant and the file comes back untouched', async () => {
    const res = await native('downloadRecord', envelope({ fileName: SEED.acme.recording, ccId: '1' }));
    assert.equal(res.status, 200);
    const original = stack.ccfs.store.read(SEED.acme.recording);
    assert.ok((res.body as Buffer).equals(original));
    assert.equal(
      res.headers['content-type'],
      'Application/Octet-stream;charset=UTF-8',
      "the vendor's own content type",
    );
    assert.equal(last().operation, 'downloadRecord');
    assert.equal(last().ak, 'AK-ACME-0001');
    assert.equal(last().authError, undefined);
  });

  it("downloadRecord by callId for the other tenant is signed with that tenant's key", async () => {
    const res = await native('downloadRecord', envelope({ fileName: SEED.globex.recording }), { tenant: 'globex' });
    assert.equal(res.status, 200);
    assert.equal(last().ak, 'AK-GLOBEX-0002');
    const zip = await native('downloadRecord', envelope({ callId: SEED.acme.twoRecordingCall }));
    assert.equal(zip.status, 200);
    assert.equal((zip.body as Buffer).subarray(0, 4).toString('latin1'), 'PK\x03\x04');
  });

  it("requestPlayVoice: the vendor's JSON answer is passed as it is", async () => {
    const res = await native('requestPlayVoice', envelope({ fileName: SEED.acme.recording }));
    assert.equal(res.status, 200);
    const body = json(res);
    assert.equal(body.resultCode, '0');
    assert.match(body.resultData.token, /^[0-9A-F]{32}$/);
    assert.equal(last().ak, 'AK-ACME-0001');
    // A vendor playback token (and any recording) must not be kept by a cache on the way.
    assert.equal(res.headers['cache-control'], 'no-store');
  });

  it('ivr/downloadFile by path and in folder mode', async () => {
    const file = await native('ivr/downloadFile', envelope({ filePath: SEED.acme.ivrFile }));
    assert.equal(file.status, 200);
    assert.ok((file.body as Buffer).equals(stack.ccfs.store.read(SEED.acme.ivrFile)));
    const dir = await native('ivr/downloadFile', envelope({ filePath: SEED.acme.ivrDir, mode: '1' }));
    assert.equal(dir.status, 200);
    assert.ok((dir.body as Buffer).equals(stack.ccfs.store.read(`${SEED.acme.ivrDir}/hello.wav`)));
    assert.equal(last().ak, 'AK-ACME-0001');
  });

  it('ivr/uploadFile: stored byte for byte under the VDN of the query', async () => {
    const wav = demoRecording(6, 1);
    const res = await native('ivr/uploadFile', envelope({ data: wav.toString('base64') }), {
      tenant: 'globex',
      query: '?vdnId=55',
    });
    assert.equal(res.status, 200);
    const body = json(res);
    assert.equal(body.resultCode, '0');
    assert.match(body.resultData.fileName, /^Y:\/3rdfile\/55\/thirdvoicebotfile\//);
    assert.ok(stack.ccfs.uploads.at(-1)!.bytes.equals(wav));
    assert.equal(last().ak, 'AK-GLOBEX-0002');
    assert.match(last().url, /\?vdnId=55$/);
  });

  it('ivr/uploadFile: data written with JSON escapes (\\/) is decoded as JSON says, byte for byte', async () => {
    const wav = demoRecording(6, 1);
    const text = JSON.stringify(envelope({ data: wav.toString('base64') })).replaceAll('/', '\\/');
    assert.match(text, /\\\//, 'the body holds escaped slashes');
    const res = await native('ivr/uploadFile', text);
    assert.equal(res.status, 200);
    assert.ok(stack.ccfs.uploads.at(-1)!.bytes.equals(wav));
  });

  it('ivr/uploadFile: an envelope with a field twice is refused without calling the vendor', async () => {
    const data = demoRecording(6, 1).toString('base64');
    const before = stack.ccfs.seen('ivr/uploadFile').length;
    for (const text of [
      `{"request":{"version":"2.0"},"msgBody":{"data":"${data}","data":"${data}"}}`,
      `{"request":{"version":"2.0"},"request":{"version":"2.0"},"msgBody":{"data":"${data}"}}`,
    ]) {
      const res = await native('ivr/uploadFile', text);
      assert.equal(res.status, 400, text.slice(0, 80));
      assert.equal(json(res).code, 'INVALID_REQUEST');
      assert.match(json(res).detail, /twice/);
    }
    assert.equal(stack.ccfs.seen('ivr/uploadFile').length, before);
  });

  it('passes a vendor business error as the vendor sent it', async () => {
    const res = await native('downloadRecord', envelope({ fileName: 'Y:/53/0/20261125/1001/nothing.V3' }));
    assert.equal(res.status, 200);
    assert.equal(json(res).resultCode, '0300011');
  });

  it('sends the vendor only what the gateway put there, re-serialised once', async () => {
    const spaced = `{ "request" : { "version" : "2.0" } ,\n "msgBody" : { "fileName" : "y:\\\\53\\\\0\\\\20261125\\\\1001\\\\4411223.V3" } }`;
    const res = await native('downloadRecord', spaced, {
      headers: {
        Cookie: 'JSESSIONID=caller',
        'X-Forwarded-For': '10.0.0.1',
        'X-Custom': 'x',
        guid: 'caller-guid',
        'Proxy-Authorization': 'Basic eA==',
        'X-Request-Id': 'native-headers-1',
      },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(last().headers).sort(), SIGNED_ONLY);
    assert.equal(
      last().body,
      JSON.stringify(envelope({ fileName: SEED.acme.recording })),
      'compact, with the path as it was checked',
    );
    assert.equal(res.headers['x-request-id'], 'native-headers-1');
  });

  it("strips the vendor's hop-by-hop headers and keeps its connection to the vendor alive", async () => {
    await native('downloadRecord', envelope({ fileName: SEED.acme.recording }));
    const before = stack.ccfs.connections;
    for (let i = 0; i < 5; i += 1) {
      const res = await native('downloadRecord', envelope({ fileName: SEED.acme.recording }));
      assert.equal(res.status, 200);
      assert.notEqual(res.headers['keep-alive'], 'timeout=60', "the vendor's Keep-Alive is not passed on");
    }
    assert.equal(stack.ccfs.connections, before, 'no new connection to the vendor for five calls in a row');
  });

  it('refuses without calling the vendor', async () => {
    const wav = demoRecording(1, 1);
    const stereo = wavFromEncoded(Buffer.alloc(100, 0xd5));
    stereo.writeUInt16LE(2, 22);
    const cases: Array<[string, string, unknown, Record<string, unknown>, number, string]> = [
      ['unknown operation', 'deleteFile', envelope({}), {}, 404, 'NOT_FOUND'],
      ['operation outside the four', 'ivr/deleteFile', envelope({}), {}, 404, 'NOT_FOUND'],
      ['playVoice is not one of the four', 'playVoice', envelope({}), {}, 404, 'NOT_FOUND'],
      ['wrong case', 'DownloadRecord', envelope({ fileName: SEED.acme.recording }), {}, 404, 'NOT_FOUND'],
      [
        'wrong version',
        'downloadRecord',
        { request: { version: '1.0' }, msgBody: { fileName: SEED.acme.recording } },
        {},
        400,
        'INVALID_REQUEST',
      ],
      ['no request', 'downloadRecord', { msgBody: { fileName: SEED.acme.recording } }, {}, 400, 'INVALID_REQUEST'],
      [
        'extra top-level field',
        'downloadRecord',
        { ...envelope({ fileName: SEED.acme.recording }), extra: 1 },
        {},
        400,
        'INVALID_REQUEST',
      ],
      [
        'unknown msgBody field',
        'downloadRecord',
        envelope({ fileName: SEED.acme.recording, path: '/x' }),
        {},
        400,
        'INVALID_REQUEST',
      ],
      ['array body', 'downloadRecord', [1, 2], {}, 400, 'INVALID_REQUEST'],
      ['not JSON', 'downloadRecord', '{"request":', {}, 400, 'INVALID_REQUEST'],
      ['neither fileName nor callId', 'downloadRecord', envelope({ ccId: '1' }), {}, 400, 'INVALID_REQUEST'],
      ['bad callId', 'downloadRecord', envelope({ callId: '../etc' }), {}, 400, 'INVALID_REQUEST'],
      [
        'fileName of another tenant',
        'downloadRecord',
        envelope({ fileName: SEED.globex.recording }),
        {},
        403,
        'PATH_FORBIDDEN',
      ],
      ['traversal', 'requestPlayVoice', envelope({ fileName: 'Y:/53/../54/0/x.V3' }), {}, 403, 'PATH_FORBIDDEN'],
      [
        'ivr path outside the rule',
        'ivr/downloadFile',
        envelope({ filePath: 'Y:/53/0/20261125/1001/4411223.V3' }),
        {},
        403,
        'PATH_FORBIDDEN',
      ],
      ['bad mode', 'ivr/downloadFile', envelope({ filePath: SEED.acme.ivrFile, mode: 2 }), {}, 400, 'INVALID_REQUEST'],
      [
        'upload to a VDN not owned',
        'ivr/uploadFile',
        envelope({ data: wav.toString('base64') }),
        { query: '?vdnId=54' },
        403,
        'PATH_FORBIDDEN',
      ],
      [
        'upload without vdnId for a tenant of two VDNs',
        'ivr/uploadFile',
        envelope({ data: wav.toString('base64') }),
        { tenant: 'globex' },
        400,
        'INVALID_REQUEST',
      ],
      ['upload that is not base64', 'ivr/uploadFile', envelope({ data: 'not base64!' }), {}, 400, 'INVALID_REQUEST'],
      [
        'upload that is not a WAV',
        'ivr/uploadFile',
        envelope({ data: Buffer.from('ID3 mp3 data here').toString('base64') }),
        {},
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'upload in the wrong format',
        'ivr/uploadFile',
        envelope({ data: stereo.toString('base64') }),
        {},
        422,
        'INVALID_AUDIO',
      ],
      [
        'upload over the limit',
        'ivr/uploadFile',
        envelope({ data: wavFromEncoded(Buffer.alloc(5 * 1024 * 1024, 0xd5)).toString('base64') }),
        {},
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      [
        'query on an operation that takes none',
        'downloadRecord',
        envelope({ fileName: SEED.acme.recording }),
        { query: '?vdnId=53' },
        400,
        'INVALID_REQUEST',
      ],
      [
        'token without ccfs:native',
        'downloadRecord',
        envelope({ fileName: SEED.acme.recording }),
        { scopes: ['recordings:read'] },
        403,
        'INSUFFICIENT_SCOPE',
      ],
    ];
    const seen = stack.ccfs.requests.length;
    for (const [name, op, body, opts, status, code] of cases) {
      const res = await native(op, body, opts as never);
      assert.equal(res.status, status, `${name}: ${res.body.toString()}`);
      assert.equal(json(res).code, code, name);
    }
    const noToken = await request(stack.url)
      .post('/v1/ccfs/downloadRecord')
      .send(envelope({ fileName: SEED.acme.recording }));
    assert.equal(noToken.status, 401);
    const get = await request(stack.url).get('/v1/ccfs/downloadRecord').set('Authorization', `Bearer ${stack.token()}`);
    assert.equal(get.status, 405);
    const text = await request(stack.url)
      .post('/v1/ccfs/downloadRecord')
      .set('Authorization', `Bearer ${stack.token()}`)
      .set('Content-Type', 'text/plain')
      .send('x');
    assert.equal(text.status, 415, 'another content type is 415, as on the upload route');
    assert.equal(text.body.code, 'UNSUPPORTED_MEDIA_TYPE');
    assert.equal(stack.ccfs.requests.length, seen, 'the vendor saw none of them');
  });

  /** A POST read as it streams, through the shared download client; `abortAfterBytes` leaves early. */
  const post = async (op: string, body: unknown, abortAfterBytes?: number) => {
    const res = await download(
      `${stack.url}/v1/ccfs/${op}`,
      { authorization: `Bearer ${stack.token()}`, 'content-type': 'application/json' },
      {
        body: JSON.stringify(body),
        ...(abortAfterBytes !== undefined ? { abortAfterBytes } : {}),
      },
    );
    return { ...res, length: Number(res.headers['content-length']) };
  };

  it('aborts the vendor request when the client goes away', async () => {
    const big = 'Y:/53/0/20261125/1001/big-native.V3';
    await stack.ccfs.store.put(big, Buffer.alloc(64 * 1024 * 1024, 1));
    const res = await post('downloadRecord', envelope({ fileName: big }), 64 * 1024);
    assert.equal(res.error?.message, 'aborted by the test', 'the client left');
    const rec = stack.ccfs.seen('downloadRecord').at(-1)!;
    await eventually(() => rec.aborted, 'the simulator saw its answer cut short');
  });

  it('cuts the client connection when the vendor fails mid-stream, and maps a 5xx to a problem', async () => {
    stack.ccfs.injectFault({ operation: 'downloadRecord', times: 1, resetAfterBytes: 5000 });
    const res = await post('downloadRecord', envelope({ fileName: SEED.acme.recording }));
    assert.equal(res.status, 200);
    assert.ok(res.bytes < res.length, `incomplete: ${res.bytes} of ${res.length}`);
    assert.ok(res.error, 'the client saw the cut');

    stack.ccfs.injectFault({ operation: 'downloadRecord', times: 1, status: 503 });
    // The pass-through never retries: a single 503 is the answer.
    const unavailable = await native('downloadRecord', envelope({ fileName: SEED.acme.recording }));
    assert.equal(unavailable.status, 503);
    assert.equal(json(unavailable).code, 'UPSTREAM_UNAVAILABLE');
    assert.doesNotMatch(unavailable.body.toString(), /load balancer/);
  });
});

describe('native pass-through with a wrong secret key', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      configure: (raw) => {
        raw.tenants[0].ccfs.sk = 'SK-not-the-right-one';
      },
    });
  });
  after(async () => {
    await stack.close();
  });

  it('answers 502 and logs the refused signature', async () => {
    const res = await request(stack.url)
      .post('/v1/ccfs/downloadRecord')
      .set('Authorization', `Bearer ${stack.token()}`)
      .send(envelope({ fileName: SEED.acme.recording }));
    assert.equal(res.status, 502);
    assert.equal(res.body.upstream.code, 'HTTP 401');
    assert.ok(stack.lines.some((l) => /refused the auth-v2 signature/.test(l)));
  });
});

describe('native uploads are admitted before their body is read, then streamed', () => {
  let stack: Stack;
  let spool: string;
  before(async () => {
    spool = mkdtempSync(join(tmpdir(), 'gw-spool-'));
    stack = await startStack({
      configure: (raw) => {
        raw.server.spoolDir = spool;
        raw.tenants[0].limits = { concurrentStreams: 1 };
      },
    });
  });
  after(async () => {
    await stack.close();
    rmSync(spool, { recursive: true, force: true });
  });

  const PREFIX = '{"request":{"version":"2.0"},"msgBody":{"data":"';
  const head = (length: number, tenant = 'acme') =>
    `POST /v1/ccfs/ivr/uploadFile${tenant === 'acme' ? '' : '?vdnId=55'} HTTP/1.1\r\nHost: x\r\n` +
    `Authorization: Bearer ${stack.token(tenant)}\r\nContent-Type: application/json\r\nContent-Length: ${length}`;
  // A file may go between the listing and its stat.
  const spooled = () =>
    readdirSync(spool).flatMap((name) => {
      const st = statSync(join(spool, name), { throwIfNoEntry: false });
      return st ? [st.size] : [];
    });

  it('the data is refused at its first bytes when they are not a WAV, not once the whole body is in', async () => {
    const length = 6_900_000;
    const answer = await rawRequest(stack.url, head(length, 'globex'), (sent) =>
      sent >= length
        ? undefined
        : sent === 0
          ? Buffer.from(`${PREFIX}${Buffer.from('ID3 mp3 data follows!').toString('base64')}`)
          : Buffer.alloc(Math.min(65_536, length - sent), 0x41),
    );
    assert.equal(answer.status, 415);
    assert.ok(answer.bodySent < 2_000_000, `${answer.bodySent} of ${length} bytes were taken before the 415`);
    await eventually(() => spooled().length === 0, 'the refused upload left nothing in the spool');
  });

  it('the data is decoded into the spool as it arrives, and removed when the client leaves', async () => {
    const wav = wavFromEncoded(Buffer.alloc(3_000_000, 0xd5));
    const text = Buffer.from(`${PREFIX}${wav.toString('base64')}"}}`);
    const socket = connect(Number(new URL(stack.url).port), '127.0.0.1');
    socket.on('error', () => undefined);
    try {
      socket.write(`${head(text.length, 'globex')}\r\n\r\n`);
      // Half the body, and the gateway must already hold most of its bytes on disk, decoded.
      socket.write(text.subarray(0, text.length / 2));
      await eventually(
        () => spooled().some((size) => size > 1_000_000),
        'half of the body is on disk while the rest has not been sent',
      );
    } finally {
      socket.destroy();
    }
    await eventually(() => spooled().length === 0, "the upload's file is removed once its client is gone");
    assert.equal(stack.ccfs.seen('ivr/uploadFile').length, 0, 'nothing reached the vendor');
  });

  it("an upload past the tenant's cap is refused 429 before its body is read", async () => {
    const { port } = new URL(stack.url);
    // The first upload holds the tenant's one slot: it sends its envelope's opening and waits.
    const first = connect(Number(port), '127.0.0.1');
    first.on('error', () => undefined);
    try {
      first.write(`${head(2_000_000)}\r\n\r\n${PREFIX}UklGR`);
      await eventually(async () => (await activeStreams(stack)) === 1, 'the first upload holds the slot');
      const second = await rawRequest(
        stack.url,
        head(2_000_000),
        (sent) => (sent < 2_000_000 ? Buffer.alloc(Math.min(65_536, 2_000_000 - sent), 0x41) : undefined),
        { pauseMs: 5 },
      );
      assert.equal(second.status, 429);
      assert.ok(second.bodySent < 1_000_000, `${second.bodySent} bytes were taken before the 429`);
    } finally {
      first.destroy();
    }
  });
});
