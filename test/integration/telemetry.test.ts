/**
 * OpenTelemetry with a real OTLP/HTTP receiver on loopback and the gateway as a process from the
 * built code (telemetry starts before the gateway's modules load): a caller's traceparent is taken
 * and sent on to CC-FS, the spans of one request link parent to child, and no secret, token or
 * playback id is in any attribute.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ALL_SCOPES, mintToken } from '../../demo/mint.js';
import { CcfsSimulator } from '../../simulators/ccfs/server.js';
import { SEED, seedCcfs } from '../../simulators/seed.js';
import { eventually } from '../helpers/eventually.js';
import { type GatewayProcess, startGatewayProcess } from '../helpers/processes.js';
import { ACCOUNTS, AUDIENCE, baseConfig, ISSUER, JWT_SECRET } from '../helpers/stack.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

const TOKEN = mintToken({ secret: JWT_SECRET, issuer: ISSUER, audience: AUDIENCE, tenant: 'acme', scopes: ALL_SCOPES });
const bodies: string[] = [];
let receiver: Server;
let ccfs: CcfsSimulator;
let root: string;
let gateway: GatewayProcess;

before(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const otlp = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/v1/traces`;
  root = mkdtempSync(join(tmpdir(), 'otel-'));
  ccfs = new CcfsSimulator({
    root,
    accounts: [ACCOUNTS.acme, ACCOUNTS.globex].map((a) => ({ ...a, vdnIds: [...a.vdnIds] })),
  });
  await ccfs.listen(0, '127.0.0.1');
  await seedCcfs(ccfs);
  const raw = baseConfig(ccfs.url);
  raw.logging = { level: 'info' };
  raw.telemetry = { otlp: { endpoint: otlp }, samplingRatio: 1, exportDelayMs: 50 };
  for (const t of raw.tenants) delete t.ccgateway;
  delete raw.upstreams.ccgateway;
  gateway = await startGatewayProcess('otel', raw);
});
after(async () => {
  await gateway?.kill();
  await ccfs.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  rmSync(root, { recursive: true, force: true });
});

const spans = (): OtlpSpan[] =>
  bodies.flatMap((b) =>
    (JSON.parse(b) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> }).resourceSpans.flatMap(
      (r) => r.scopeSpans.flatMap((s) => s.spans),
    ),
  );
const attr = (s: OtlpSpan, key: string) => {
  const v = s.attributes.find((a) => a.key === key)?.value;
  return v ? Object.values(v)[0] : undefined;
};

test("one download's spans: the caller's trace, sent on to CC-FS, parent to child", async () => {
  const traceId = randomBytes(16).toString('hex');
  const callerSpan = randomBytes(8).toString('hex');
  const res = await fetch(`${gateway.url}/v1/recordings?fileName=${encodeURIComponent(SEED.acme.recording)}`, {
    headers: {
      authorization: `Bearer ${TOKEN}`,
      traceparent: `00-${traceId}-${callerSpan}-01`,
      tracestate: 'caller=1',
    },
  });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  // CC-FS got the same trace, and the caller's tracestate.
  const seen = ccfs.seen('downloadRecord').at(-1)!;
  assert.match(String(seen.headers.traceparent), new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  assert.equal(seen.headers.tracestate, 'caller=1');

  const trace = await eventually(() => {
    const mine = spans().filter((s) => s.traceId === traceId);
    return mine.some((s) => s.name === 'stream') && mine.some((s) => s.kind === 3) ? mine : undefined;
  }, 'the spans exported');
  const byId = new Map(trace.map((s) => [s.spanId, s]));
  const server = trace.find((s) => s.kind === 2)!;
  assert.equal(server.parentSpanId, callerSpan, "the request span's parent is the caller's");
  const ancestors = (s: OtlpSpan): string[] => {
    const out: string[] = [];
    for (let p = s.parentSpanId; p && byId.has(p); p = byId.get(p)!.parentSpanId) out.push(p);
    return out;
  };
  const named = (name: string) => {
    const s = trace.find((x) => x.name === name);
    assert.ok(s, `${name} in ${trace.map((x) => x.name).join(', ')}`);
    return s;
  };
  const auth = named('authenticate');
  const vendor = named('ccfs downloadRecord');
  const stream = named('stream');
  for (const s of [auth, vendor, stream])
    assert.ok(ancestors(s).includes(server.spanId), `${s.name} under the request`);
  const undici = trace.find((s) => s.kind === 3)!;
  assert.equal(undici.parentSpanId, vendor.spanId, 'the HTTP call to CC-FS is a child of the vendor operation');
  assert.equal(attr(auth, 'cc.tenant'), 'acme');
  assert.equal(attr(stream, 'cc.stream.outcome'), 'complete');
  assert.ok(Number(attr(stream, 'cc.stream.bytes')) > 44);
  // The vendor span of a refusal carries the vendor's code.
  ccfs.injectFault({ operation: 'downloadRecord', resultCode: '0300012' });
  const refusedTrace = randomBytes(16).toString('hex');
  const refused = await fetch(`${gateway.url}/v1/recordings?fileName=${encodeURIComponent(SEED.acme.recording)}`, {
    headers: { authorization: `Bearer ${TOKEN}`, traceparent: `00-${refusedTrace}-${callerSpan}-01` },
  });
  assert.equal(refused.status, 404);
  const failed = await eventually(
    () => spans().find((s) => s.traceId === refusedTrace && s.name === 'ccfs downloadRecord'),
    'the refusal exported',
  );
  assert.equal(attr(failed, 'cc.vendor.result_code'), '0300012');
});

test('no secret, token, Guid or playback id in any span', async () => {
  const created = await fetch(`${gateway.url}/v1/recordings/playback`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ fileName: SEED.acme.recording }),
  });
  const { url } = (await created.json()) as { url: string };
  const played = await fetch(`${gateway.url}${url}`);
  assert.equal(played.status, 200);
  await played.arrayBuffer();
  const playbackId = url.split('/').pop()!;
  const vendorToken = new URL(ccfs.seen('playVoice').at(-1)!.url, 'http://x').searchParams.get('st')!;
  await eventually(() => spans().some((s) => s.name === 'ccfs playVoice'), 'the playback exported');
  const text = JSON.stringify(spans());
  for (const secret of [TOKEN, playbackId, vendorToken, ACCOUNTS.acme.sk, ACCOUNTS.acme.ak, JWT_SECRET])
    assert.ok(!text.includes(secret), `${secret.slice(0, 12)}... is in a span`);
  assert.ok(text.includes('[redacted]'), 'the URLs are there, masked');
});
