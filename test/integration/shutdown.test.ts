/**
 * Issue 5, graceful shutdown: readiness turns 503 first, new connections are refused, a 200 MiB
 * download started before the signal completes intact, idle keep-alive sockets close, agents sign
 * out; and the real process exits 0 on SIGTERM.
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { Agent, get as httpGet } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import request from 'supertest';
import { ALL_SCOPES, mintToken } from '../../demo/mint.js';
import { CcfsSimulator } from '../../simulators/ccfs/server.js';
import { CcgwSimulator } from '../../simulators/ccgateway/server.js';
import { SEED, seedCcfs } from '../../simulators/seed.js';
import { wavFromEncoded } from '../../simulators/shared/audio.js';
import { download } from '../helpers/download.js';
import { eventually } from '../helpers/eventually.js';
import { ACCOUNTS, AGENTS, AUDIENCE, activeStreams, ISSUER, JWT_SECRET, opsGet, startStack } from '../helpers/stack.js';

const MIB = 1024 * 1024;

test('close(): readiness 503 first, in-flight 200 MiB download completes intact, idle sockets and new connections refused, agents signed out', async () => {
  // Long keep-alive and header timeouts: only the shutdown may close the idle socket below.
  const stack = await startStack({
    configure: (raw) => {
      Object.assign(raw.server, { drainDelayMs: 1000, keepAliveTimeoutMs: 60_000, headersTimeoutMs: 60_000 });
    },
  });
  try {
    const big = 'Y:/53/0/20261125/1001/shutdown-200m.V3';
    const block = randomBytes(MIB);
    const hash = createHash('sha256');
    for (let i = 0; i < 200; i += 1) hash.update(block);
    await stack.ccfs.store.put(
      big,
      Readable.from(
        (function* () {
          for (let i = 0; i < 200; i += 1) yield block;
        })(),
      ),
    );
    assert.equal(
      (
        await request(stack.url)
          .get('/v1/agent-recordings')
          .query({ recordId: SEED.acme.recording })
          .set('Authorization', `Bearer ${stack.token()}`)
      ).status,
      200,
    );

    // A keep-alive socket left idle after a request.
    const agent = new Agent({ keepAlive: true });
    let idleClosed = false;
    await new Promise<void>((resolve, reject) => {
      const r = httpGet(`${stack.url}/healthz`, { agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      r.on('socket', (socket) =>
        socket.once('close', () => {
          idleClosed = true;
        }),
      );
      r.on('error', reject);
    });

    const inFlight = download(`${stack.url}/v1/recordings?fileName=${encodeURIComponent(big)}`, {
      authorization: `Bearer ${stack.token()}`,
    });
    await eventually(async () => (await activeStreams(stack)) === 1, 'the download is in flight');
    let closed = false;
    const closing = stack.gateway.close(60_000).then(() => {
      closed = true;
    });
    const ready = await opsGet(stack, '/readyz/details');
    assert.equal(ready.status, 503, 'readiness turns 503 while the listener still accepts');
    assert.match(JSON.stringify(ready.body), /"shutdown","ok":false/);
    assert.equal(idleClosed, false, 'not closed before the drain delay');

    await eventually(
      () =>
        request(stack.url)
          .get('/healthz')
          .then(
            () => false,
            (e: Error) => /ECONNREFUSED/.test(e.message),
          ),
      'new connections are refused once the drain delay is over',
    );
    await eventually(() => idleClosed, 'the idle keep-alive socket is closed when the listener closes');

    const result = await inFlight;
    assert.equal(result.status, 200);
    assert.equal(result.error, undefined);
    assert.equal(result.bytes, 200 * MIB);
    assert.equal(result.sha256, hash.digest('hex'), 'the in-flight download completed intact');
    await closing;
    assert.ok(closed);
    assert.deepEqual(stack.ccgw.signOuts, [AGENTS.acme.agentId], 'the agent was signed out');
    agent.destroy();
  } finally {
    await stack.ccgw.close();
    await stack.ccfs.close();
  }
});

/** The built gateway as a real process on a config of its own; resolves once it listens. */
/** A token for acme with every scope, as the spawned gateways trust. */
const acmeToken = () =>
  mintToken({ secret: JWT_SECRET, issuer: ISSUER, audience: AUDIENCE, tenant: 'acme', scopes: ALL_SCOPES });

async function spawnGateway(
  root: string,
  o: { ccfsUrl: string; drainDelayMs: number; shutdownGraceMs: number; ccgwUrl?: string; spoolDir?: string },
) {
  const file = join(root, 'gateway.yaml');
  const agent = o.ccgwUrl
    ? [
        '    ccgateway:',
        '      agents:',
        `        - agentId: ${AGENTS.acme.agentId}`,
        '          password: ${AGENT_PW}',
        '          phoneNumber: "60001"',
      ]
    : [];
  writeFileSync(
    file,
    [
      'server:',
      '  host: 127.0.0.1',
      '  port: 0',
      `  drainDelayMs: ${o.drainDelayMs}`,
      `  shutdownGraceMs: ${o.shutdownGraceMs}`,
      '  playbackSecret: ${PB}',
      ...(o.spoolDir ? [`  spoolDir: ${o.spoolDir}`] : []),
      'audit:',
      '  destination: "off"',
      'auth:',
      '  issuers:',
      `    - issuer: ${ISSUER}`,
      `      audience: ${AUDIENCE}`,
      '      algorithms: [HS256]',
      '      secret: ${JWT}',
      'upstreams:',
      '  ccfs:',
      `    baseUrl: ${o.ccfsUrl}`,
      ...(o.ccgwUrl ? ['  ccgateway:', `    baseUrl: ${o.ccgwUrl}`, '    signInTimeoutMs: 60000'] : []),
      'tenants:',
      '  - id: acme',
      '    vdnIds: [53]',
      '    ccfs:',
      '      ak: ${AK}',
      '      sk: ${SK}',
      ...agent,
      '',
    ].join('\n'),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--config', file], {
    env: {
      ...process.env,
      PB: 'playback-secret-for-tests-0123456789abcdef',
      JWT: JWT_SECRET,
      AK: ACCOUNTS.acme.ak,
      SK: ACCOUNTS.acme.sk,
      AGENT_PW: AGENTS.acme.password,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let code: number | null | undefined;
  child.once('exit', (c) => {
    code = c;
  });
  const url = await new Promise<string>((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      lines.push(l);
      const u = (JSON.parse(l) as { url?: string }).url;
      if (u) resolve(u);
    });
  });
  return { child, lines, url, exitCode: () => code };
}

test('the process exits 0 on SIGTERM, after signing its agents out', async () => {
  const root = mkdtempSync(join(tmpdir(), 'shutdown-proc-'));
  const ccfs = new CcfsSimulator({ root, accounts: [{ ...ACCOUNTS.acme, vdnIds: [53] }] });
  const ccfsUrl = await ccfs.listen();
  await seedCcfs(ccfs);
  try {
    const gw = await spawnGateway(root, { ccfsUrl, drainDelayMs: 100, shutdownGraceMs: 2000 });
    assert.equal((await request(gw.url).get('/healthz')).status, 200);
    gw.child.kill('SIGTERM');
    await eventually(() => gw.exitCode() !== undefined, 'the process exits');
    assert.equal(gw.exitCode(), 0, `exit code (${gw.lines.slice(-3).join(' | ')})`);
    assert.ok(gw.lines.some((l) => /shutting down/.test(l)));
  } finally {
    await ccfs.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('whatever still hangs at shutdown (here an agent sign-out the vendor never answers), the process ends by its deadline', async () => {
  const root = mkdtempSync(join(tmpdir(), 'shutdown-hang-'));
  const ccfs = new CcfsSimulator({ root, accounts: [{ ...ACCOUNTS.acme, vdnIds: [53] }] });
  const ccfsUrl = await ccfs.listen();
  await seedCcfs(ccfs);
  const ccgw = new CcgwSimulator({ agents: [AGENTS.acme], store: ccfs.store, pollWaitMs: 200 });
  const ccgwUrl = await ccgw.listen();
  const gw = await spawnGateway(root, { ccfsUrl, ccgwUrl, drainDelayMs: 0, shutdownGraceMs: 200 });
  try {
    const token = acmeToken();
    const rec = await request(gw.url)
      .get('/v1/agent-recordings')
      .query({ recordId: SEED.acme.recording })
      .set('Authorization', `Bearer ${token}`);
    assert.equal(rec.status, 200, 'the agent is signed in');
    // The vendor will sit on the sign-out for a minute: longer than drain + grace + margin.
    ccgw.injectFault({ operation: 'logout', latencyMs: 60_000 });
    gw.child.kill('SIGTERM');
    await eventually(() => gw.exitCode() !== undefined, 'the process exits', 50_000);
    assert.equal(gw.exitCode(), 1, 'ended by the deadline, not by the hung sign-out');
    assert.ok(
      gw.lines.some((l) => /shutdown did not finish in time/.test(l)),
      gw.lines.slice(-3).join(' | '),
    );
  } finally {
    gw.child.kill('SIGKILL');
    await ccgw.close();
    await ccfs.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('SIGTERM with uploads in flight leaves nothing in the spool, and a start sweeps what a dead process left', async () => {
  const root = mkdtempSync(join(tmpdir(), 'shutdown-spool-'));
  const spool = mkdtempSync(join(tmpdir(), 'shutdown-spool-dir-'));
  const ccfs = new CcfsSimulator({ root, accounts: [{ ...ACCOUNTS.acme, vdnIds: [53] }] });
  const ccfsUrl = await ccfs.listen();
  const spooled = () => readdirSync(spool).filter((f) => f.startsWith('cc-file-gateway-upload-'));
  // Left by a process that died two hours ago, and one a sibling worker may be writing now.
  const stale = join(spool, 'cc-file-gateway-upload-stale.wav');
  const fresh = join(spool, 'cc-file-gateway-upload-fresh.wav');
  const mine = join(spool, 'notes.txt');
  for (const f of [stale, fresh, mine]) writeFileSync(f, 'x');
  const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);
  utimesSync(stale, twoHoursAgo, twoHoursAgo);
  const sockets: ReturnType<typeof connect>[] = [];
  try {
    const gw = await spawnGateway(root, { ccfsUrl, drainDelayMs: 0, shutdownGraceMs: 300, spoolDir: spool });
    assert.equal(existsSync(stale), false, 'the stale file is swept at start');
    assert.equal(existsSync(fresh), true, "a recent one is not: it may be another worker's");
    assert.equal(existsSync(mine), true, "and nothing but the gateway's own pattern is touched");
    rmSync(fresh);
    const token = acmeToken();
    // A WAV of 100,000 A-law samples, of which a fifth is sent: three uploads that never finish.
    const wav = wavFromEncoded(Buffer.alloc(100_000, 0xd5));
    const { port } = new URL(gw.url);
    for (let i = 0; i < 3; i += 1) {
      const socket = connect(Number(port), '127.0.0.1');
      sockets.push(socket);
      socket.on('error', () => undefined);
      socket.write(
        `POST /v1/ivr-files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
          `Content-Type: audio/wav\r\nContent-Length: ${wav.length}\r\n\r\n`,
      );
      socket.write(wav.subarray(0, 20_000));
    }
    await eventually(() => spooled().length === 3, 'three uploads are being spooled');
    gw.child.kill('SIGTERM');
    await eventually(() => gw.exitCode() !== undefined, 'the process exits');
    assert.deepEqual(spooled(), [], 'their files went with the process');
  } finally {
    for (const s of sockets) s.destroy();
    await ccfs.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(spool, { recursive: true, force: true });
  }
});
