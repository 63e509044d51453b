/**
 * Issue 21 end to end: every download route resumes a stream the vendor cut (a reset, a stall
 * past the idle timeout) by asking the real simulators again, with a fresh signature or the
 * agent's current Guid, and the client gets one whole, identical answer. Other bytes on the next
 * try cut the client instead; resumes are counted in the metrics and the audit line.
 */

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { SEED } from '../../simulators/seed.js';
import { download } from '../helpers/download.js';
import { eventually } from '../helpers/eventually.js';
import { seededRandom, seedFrom } from '../helpers/random.js';
import { opsGet, type Stack, startStack } from '../helpers/stack.js';

const SEED_VALUE = seedFrom('RESUME_SEED');
const random = seededRandom(SEED_VALUE);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const BIG = 'Y:/53/0/20261125/1001/resume-2m.V3';

let stack: Stack;
let dir: string;
before(async () => {
  process.stderr.write(`resume seed ${SEED_VALUE} (replay with RESUME_SEED=${SEED_VALUE})\n`);
  dir = mkdtempSync(join(tmpdir(), 'resume-audit-'));
  stack = await startStack({
    configure: (raw) => {
      raw.audit = { destination: join(dir, 'audit.jsonl') };
      Object.assign(raw.upstreams.ccfs, { idleTimeoutMs: 300, retries: 0 });
      Object.assign(raw.upstreams.ccgateway, { idleTimeoutMs: 300 });
    },
  });
  const wav = Buffer.concat([stack.ccfs.store.read(SEED.acme.recording).subarray(0, 44), randomBytes(2 * 1024 * 1024)]);
  await stack.ccfs.store.put(BIG, wav);
});
after(async () => {
  await stack.close();
  rmSync(dir, { recursive: true, force: true });
});

const auth = () => ({ authorization: `Bearer ${stack.token()}` });
const auditLines = () =>
  readFileSync(join(dir, 'audit.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const auditOf = (id: string) => eventually(() => auditLines().find((l) => l.requestId === id), `audit line ${id}`);
const metric = async (line: RegExp) => Number((await opsGet(stack, '/metrics')).text.match(line)?.[1] ?? 0);

async function playbackUrl(fileName: string): Promise<string> {
  const made = await request(stack.url)
    .post('/v1/recordings/playback')
    .set('Authorization', auth().authorization)
    .send({ fileName });
  assert.equal(made.status, 201);
  return `${stack.url}${made.body.url}`;
}

/** Each download route, the vendor operation behind it, and the bytes it must deliver. */
const ROUTES = [
  {
    name: '3.1 by file name',
    op: 'downloadRecord',
    url: async () => `${stack.url}/v1/recordings?fileName=${encodeURIComponent(BIG)}`,
    bytes: () => stack.ccfs.store.read(BIG),
  },
  {
    name: '3.2 by call (one WAV)',
    op: 'downloadRecord',
    url: async () => `${stack.url}/v1/calls/${SEED.acme.oneRecordingCall}/recordings`,
    bytes: () => stack.ccfs.store.read('Y:/53/0/20261125/1001/4411226.V3'),
  },
  {
    name: '3.4 playback',
    op: 'playVoice',
    url: () => playbackUrl(BIG),
    bytes: () => stack.ccfs.store.read(BIG),
  },
  {
    name: '3.5 IVR file',
    op: 'ivr/downloadFile',
    url: async () => `${stack.url}/v1/ivr-files?path=${encodeURIComponent(SEED.acme.ivrFile)}`,
    bytes: () => stack.ccfs.store.read(SEED.acme.ivrFile),
  },
  {
    name: '3.8 agent recording',
    op: 'recordfile',
    url: async () => `${stack.url}/v1/agent-recordings?recordId=${encodeURIComponent(BIG)}`,
    bytes: () => stack.ccfs.store.read(BIG),
  },
] as const;

const inject = (op: string, fault: Record<string, unknown>) =>
  op === 'recordfile'
    ? stack.ccgw.injectFault({ operation: op, times: 1, ...fault })
    : stack.ccfs.injectFault({ operation: op, times: 1, ...fault });
const seen = (op: string) => (op === 'recordfile' ? stack.ccgw.seen(op) : stack.ccfs.seen(op)).length;

describe('a cut is resumed on every download route', () => {
  for (const route of ROUTES) {
    for (const kind of ['reset', 'stall'] as const) {
      it(`${route.name}: a ${kind} at a random offset, healed with a verified prefix`, async () => {
        const want = route.bytes();
        const at = 20 + Math.floor(random() * (want.length - 40));
        const url = await route.url();
        const before = seen(route.op);
        inject(route.op, kind === 'reset' ? { resetAfterBytes: at } : { stallAfterBytes: at });
        const id = `resume-${route.op.replace('/', '-')}-${kind}-${at}`;
        const r = await download(url, { ...auth(), 'x-request-id': id });
        assert.equal(r.status, 200);
        assert.equal(r.error, undefined, `cut at ${at} of ${want.length}: the client saw one complete answer`);
        assert.equal(r.bytes, want.length);
        assert.equal(r.sha256, sha(want));
        assert.equal(seen(route.op) - before, 2, 'the vendor was asked once more, and only once');
        const line = await auditOf(id);
        assert.deepEqual(line.resumes, { attempts: 1, resumed: 1, mismatched: 0, failed: 0 });
        assert.equal(line.complete, true);
      });
    }
  }
});

describe('what a resume may and may not do', () => {
  it('a range is the range of the file, whether the cut came inside it or before its first byte was sent', async () => {
    const want = stack.ccfs.store.read(BIG);
    for (const [start, end] of [
      [500_000, 999_999],
      [1_500_000, 1_599_999],
    ] as const) {
      stack.ccfs.injectFault({ operation: 'downloadRecord', times: 1, resetAfterBytes: 700_000 });
      const res = await request(stack.url)
        .get(`/v1/recordings?fileName=${encodeURIComponent(BIG)}`)
        .set('Authorization', auth().authorization)
        .set('Range', `bytes=${start}-${end}`)
        .buffer(true)
        .parse((r, cb) => {
          const parts: Buffer[] = [];
          r.on('data', (c: Buffer) => parts.push(c));
          r.on('end', () => cb(null, Buffer.concat(parts)));
        });
      assert.equal(res.status, 206);
      assert.ok((res.body as Buffer).equals(want.subarray(start, end + 1)), `bytes ${start}-${end}`);
    }
  });

  it('a zip (no vendor length) is resumed on its prefix alone', async () => {
    const url = `${stack.url}/v1/calls/${SEED.acme.twoRecordingCall}/recordings`;
    const whole = await download(url, auth());
    assert.equal(whole.error, undefined);
    stack.ccfs.injectFault({ operation: 'downloadRecord', times: 1, resetAfterBytes: Math.floor(whole.bytes / 2) });
    const r = await download(url, auth());
    assert.equal(r.error, undefined);
    assert.equal(r.sha256, whole.sha256, 'the same zip as an uncut download');
  });

  it('other bytes before the cut (the file was replaced): the client is cut, never given a spliced file', async () => {
    const want = stack.ccfs.store.read(BIG);
    const mismatches = await metric(/download_resumes_total\{[^}]*outcome="mismatch"[^}]*\} (\d+)/);
    stack.ccfs.injectFault({ operation: 'downloadRecord', times: 1, resetAfterBytes: 900_000 });
    stack.ccfs.injectFault({ operation: 'downloadRecord', times: 1, corruptByteAt: 1000 });
    const r = await download(`${stack.url}/v1/recordings?fileName=${encodeURIComponent(BIG)}`, {
      ...auth(),
      'x-request-id': 'resume-mismatch-1',
    });
    assert.equal(r.status, 200);
    assert.ok(r.error, 'the client saw an incomplete transfer');
    assert.ok(r.bytes <= 900_000);
    assert.equal(r.sha256, sha(want.subarray(0, r.bytes)), 'what it got is the start of the file it asked for');
    const line = await auditOf('resume-mismatch-1');
    assert.deepEqual(line.resumes, { attempts: 1, resumed: 0, mismatched: 1, failed: 0 });
    assert.equal(line.complete, false);
    assert.equal(await metric(/download_resumes_total\{[^}]*outcome="mismatch"[^}]*\} (\d+)/), mismatches + 1);
    assert.ok(
      stack.lines.some((l) => l.includes('ResumeMismatchError')),
      'the cut is logged with its cause',
    );
  });

  it('cuts on every try reach the client after maxAttempts resumes; the vendor is asked three times', async () => {
    const before = stack.ccfs.seen('playVoice').length;
    const url = await playbackUrl(BIG);
    stack.ccfs.injectFault({ operation: 'playVoice', times: 3, resetAfterBytes: 300_000 });
    const r = await download(url, { 'x-request-id': 'resume-exhausted-1' });
    assert.ok(r.error);
    assert.equal(stack.ccfs.seen('playVoice').length - before, 3);
    const line = await auditOf('resume-exhausted-1');
    assert.deepEqual(line.resumes, { attempts: 2, resumed: 2, mismatched: 0, failed: 0 });
  });

  it('the counters are in the metrics, by route template', async () => {
    const text = (await opsGet(stack, '/metrics')).text;
    assert.match(text, /cc_file_gateway_download_resume_attempts_total\{route="\/v1\/recordings"\} [1-9]/);
    assert.match(
      text,
      /cc_file_gateway_download_resumes_total\{route="\/v1\/agent-recordings",outcome="resumed"\} [1-9]/,
    );
  });
});

describe('resume switched off for one route', () => {
  let off: Stack;
  before(async () => {
    off = await startStack({
      configure: (raw) => {
        raw.downloads = { resume: { routes: { getIvrFile: { enabled: false } } } };
      },
    });
  });
  after(() => off.close());

  it('that route shows the cut; the others still resume', async () => {
    off.ccfs.injectFault({ operation: 'ivr/downloadFile', times: 1, resetAfterBytes: 5000 });
    const ivr = await download(`${off.url}/v1/ivr-files?path=${encodeURIComponent(SEED.acme.ivrFile)}`, {
      authorization: `Bearer ${off.token()}`,
    });
    assert.ok(ivr.error, 'cut');
    off.ccfs.injectFault({ operation: 'downloadRecord', times: 1, resetAfterBytes: 5000 });
    const rec = await download(`${off.url}/v1/recordings?fileName=${encodeURIComponent(SEED.acme.recording)}`, {
      authorization: `Bearer ${off.token()}`,
    });
    assert.equal(rec.error, undefined, 'resumed');
    assert.equal(rec.sha256, sha(off.ccfs.store.read(SEED.acme.recording)));
  });
});
