/**
 * The routes through createApp(deps) with fake ports: no simulator, no JWT, no vendor. Each fake
 * records what the route asked of it, so these tests show what the HTTP layer hands the upstream
 * layer (normalised paths, the tenant, the caller's choices) and how it answers with what it gets.
 */

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { demoRecording } from '../../simulators/shared/audio.js';
import { type AppDeps, createApp } from '../../src/app.js';
import type { Authenticator } from '../../src/auth/authenticator.js';
import { DEFAULT_PATH_RULES, DOWNLOAD_ROUTES } from '../../src/config/schema.js';
import { derivePlaybackKey } from '../../src/domain/playback-id.js';
import { compileTenantPolicy, type TenantPolicy } from '../../src/domain/tenant-policy.js';
import { GatewayError } from '../../src/errors/catalogue.js';
import { createSpool } from '../../src/http/spool.js';
import { createTenantLimits } from '../../src/limits/tenant-limits.js';
import { createAudit } from '../../src/ops/audit.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { AgentRecordings, CcfsClient, CcfsNative, UpstreamFile } from '../../src/upstream/ports.js';
import { binaryBody, download } from '../helpers/download.js';
import { captureLogger } from '../helpers/logs.js';

const WAV = demoRecording(1, 1);
const file = (bytes: Buffer, fail?: Error): UpstreamFile => ({
  contentType: 'audio/wav',
  contentLength: bytes.length,
  head: bytes.subarray(0, 12),
  rest: fail
    ? new Readable({
        read() {
          this.push(bytes.subarray(12, 1000));
          this.destroy(fail);
        },
      })
    : Readable.from([bytes.subarray(12)]),
});

const NOW = Date.UTC(2026, 10, 30, 12);
const calls: Array<[string, ...unknown[]]> = [];
let nextDownload: () => UpstreamFile = () => file(WAV);

const ccfs: CcfsClient = {
  async downloadRecord(tenantId, query) {
    calls.push(['downloadRecord', tenantId, query]);
    return nextDownload();
  },
  async requestPlayVoice(tenantId, fileName) {
    calls.push(['requestPlayVoice', tenantId, fileName]);
    return { token: 'vendor-token-1', expiresAtMs: NOW + 30 * 60_000 };
  },
  async playVoice(tenantId, token) {
    calls.push(['playVoice', tenantId, token]);
    return file(WAV);
  },
  async ivrDownloadFile(tenantId, query) {
    calls.push(['ivrDownloadFile', tenantId, query]);
    return file(WAV);
  },
  async ivrUploadFile(tenantId, vdnId, f) {
    calls.push(['ivrUploadFile', tenantId, vdnId, f.size]);
    return { fileName: `Y:/3rdfile/${vdnId}/thirdvoicebotfile/new.wav`, locationIds: ['1'] };
  },
};
const ccfsNative: CcfsNative = {
  async forward(call) {
    calls.push(['forward', call]);
    return {
      headers: { 'content-type': 'application/json', 'x-vendor': 'kept' },
      body: Readable.from([Buffer.from('{"resultCode":"0"}')]),
    };
  },
};
const agentRecordings: AgentRecordings = {
  async download(tenantId, query) {
    calls.push(['agentDownload', tenantId, query]);
    return file(WAV);
  },
  status: () => [],
  close: async () => undefined,
};
const authenticator: Authenticator = {
  async authenticate(header) {
    const tenant = /^Bearer (acme|globex)$/.exec(header ?? '')?.[1];
    if (!tenant) throw new GatewayError('UNAUTHENTICATED', 'no', { headers: { 'www-authenticate': 'Bearer' } });
    const scopes = new Set([
      'recordings:read',
      'ivr-files:read',
      'ivr-files:write',
      'agent-recordings:read',
      'ccfs:native',
    ]);
    return { tenantId: tenant, subject: `user@${tenant}`, issuer: 'fake', scopes };
  },
  jwksStatus: () => [],
};

const policy = (id: string, vdnIds: number[], ccId?: string): TenantPolicy =>
  compileTenantPolicy({
    id,
    vdnIds,
    ccId,
    pathRules: DEFAULT_PATH_RULES,
    limits: {
      uploadMaxBytes: 1024 * 1024,
      requestsPerSecond: 1000,
      burst: 1000,
      concurrentStreams: 10,
      playbackConcurrentStreams: 10,
      playbackStreamsPerId: 3,
      playbackRequestsPerSecondPerId: 2,
      playbackBurstPerId: 20,
      playbackRangeSkipMaxBytes: 1024 * 1024,
      playbackRangeSkipBytesPerMinutePerId: 1024 * 1024,
    },
  });

let server: Server;
let url: string;
before(async () => {
  const tenants = new Map([
    ['acme', policy('acme', [53], '7')],
    ['globex', policy('globex', [54, 55])],
  ]);
  const metrics = createMetrics();
  const deps: AppDeps = {
    logger: captureLogger().logger,
    trustProxy: false,
    corsOrigins: [],
    maxUrlBytes: 8192,
    metrics,
    metricsRoute: false,
    readerIdleMs: 0,
    audit: createAudit('off'),
    authenticator,
    limits: createTenantLimits(tenants, { store: createMemoryStore(() => NOW), metrics }),
    failedAuth: { admitVerification: () => undefined, failed: async () => undefined },
    tenants,
    ccfs,
    ccfsNative,
    agentRecordings,
    // The fakes answer once: a cut is not asked for again here (resuming has tests of its own).
    resume: Object.fromEntries(
      DOWNLOAD_ROUTES.map((r) => [r, { enabled: false, maxAttempts: 0, maxBytes: 0 }]),
    ) as AppDeps['resume'],
    readiness: {
      check: async () => ({ ready: true }),
      details: async () => ({ ready: true, status: 'ready', dependencies: [] }),
    },
    playbackKey: derivePlaybackKey('fake-ports-playback-secret-0123456789'),
    now: () => NOW,
    jsonBodyMaxBytes: 65536,
    spool: createSpool(process.env.TMPDIR ?? '/tmp'),
    version: '0.0.0-test',
  };
  server = createServer(createApp(deps));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const get = (path: string, tenant = 'acme') =>
  request(url).get(path).set('Authorization', `Bearer ${tenant}`).buffer(true).parse(binaryBody);
const last = () => calls.at(-1);

describe('routes over fake ports', () => {
  it('3.1 hands the port the normalised path and the tenant default ccId, and streams what it returns', async () => {
    const res = await get(`/v1/recordings?fileName=${encodeURIComponent('y:\\53\\0\\20261125\\1001\\1.V3')}`);
    assert.equal(res.status, 200);
    assert.deepEqual(last(), ['downloadRecord', 'acme', { fileName: 'Y:/53/0/20261125/1001/1.V3', ccId: '7' }]);
    assert.deepEqual(res.body, WAV);
    assert.equal(res.headers['content-type'], 'audio/wav');
    assert.equal(res.headers['content-disposition'], 'attachment; filename="1.wav"');
  });

  it('refuses a path outside the rules without asking any port', async () => {
    const before = calls.length;
    assert.equal((await get(`/v1/recordings?fileName=${encodeURIComponent('Y:/54/0/1.V3')}`)).status, 403);
    assert.equal((await get('/v1/recordings?fileName=x', 'nobody')).status, 401);
    assert.equal(calls.length, before);
  });

  it('3.3 seals the vendor token with the expiry the port gave, less a minute; 3.4 opens it for the tenant', async () => {
    const made = await request(url)
      .post('/v1/recordings/playback')
      .set('Authorization', 'Bearer acme')
      .send({ fileName: 'Y:/53/0/20261125/1001/1.V3' });
    assert.equal(made.status, 201);
    assert.equal(made.body.expiresAt, new Date(NOW + 29 * 60_000).toISOString());
    assert.doesNotMatch(made.body.url, /vendor-token-1/);
    const played = await request(url).get(made.body.url).buffer(true).parse(binaryBody);
    assert.equal(played.status, 200);
    assert.deepEqual(last(), ['playVoice', 'acme', 'vendor-token-1']);
  });

  it('3.7 hands the port checked msgBody fields and the VDN; the answer is relayed with its headers', async () => {
    const res = await request(url)
      .post('/v1/ccfs/ivr/downloadFile')
      .set('Authorization', 'Bearer globex')
      .send({ request: { version: '2.0' }, msgBody: { filePath: 'Y:\\voice\\54\\IVRrecordFile\\a.wav', mode: 0 } });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-vendor'], 'kept');
    assert.deepEqual(res.body, { resultCode: '0' });
    assert.deepEqual(last(), [
      'forward',
      {
        tenantId: 'globex',
        operation: 'ivr/downloadFile',
        msgBody: { filePath: 'Y:/voice/54/IVRrecordFile/a.wav', mode: 0 },
      },
    ]);
  });

  it('3.6 hands the port the spooled file and the VDN; 3.8 the record id, file type and location', async () => {
    const up = await request(url)
      .post('/v1/ivr-files?vdnId=55')
      .set('Authorization', 'Bearer globex')
      .set('Content-Type', 'audio/wav')
      .send(WAV);
    assert.equal(up.status, 201);
    assert.deepEqual(last(), ['ivrUploadFile', 'globex', 55, WAV.length]);
    assert.equal(
      up.headers.location,
      `/v1/ivr-files?path=${encodeURIComponent('Y:/3rdfile/55/thirdvoicebotfile/new.wav')}`,
    );
    const rec = await get(
      `/v1/agent-recordings?recordId=${encodeURIComponent('Y:/53/record/m.wav')}&fileType=2&locationId=3`,
    );
    assert.equal(rec.status, 200);
    assert.deepEqual(last(), [
      'agentDownload',
      'acme',
      { recordId: 'Y:/53/record/m.wav', fileType: 2, locationId: '3' },
    ]);
  });

  it("a port's error becomes the contract's problem; a stream that fails after the headers cuts the client", async () => {
    nextDownload = () => {
      throw new GatewayError('UPSTREAM_TIMEOUT', 'CC-FS did not answer in time');
    };
    const late = await request(url).get('/v1/calls/c1/recordings').set('Authorization', 'Bearer acme');
    assert.equal(late.status, 504);
    assert.equal(late.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(late.body.code, 'UPSTREAM_TIMEOUT');

    nextDownload = () => file(WAV, new Error('vendor reset'));
    const cut = await download(`${url}/v1/calls/c1/recordings`, { authorization: 'Bearer acme' });
    assert.equal(cut.status, 200);
    assert.ok(cut.error, 'the client saw the connection end early');
    assert.ok(cut.bytes < WAV.length);
    nextDownload = () => file(WAV);
  });
});
