/**
 * Demo mode: the CC-FS and CC-Gateway simulators on 127.0.0.1 with seeded, playable recordings, then the gateway
 * configured by config/demo.yaml, then a token per tenant and one working curl line per route.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { CcfsSimulator } from '../simulators/ccfs/server.js';
import type { CcgwSimulator } from '../simulators/ccgateway/server.js';
import { SEED } from '../simulators/seed.js';
import { demoRecording } from '../simulators/shared/audio.js';
import { parseConfigText } from '../src/config/load.js';
import { createGateway, type Gateway } from '../src/gateway.js';
import { DEMO_CONFIG, demoEnv } from './env.js';
import { ALL_SCOPES, mintToken } from './mint.js';
import { startPlayerPage } from './player.js';
import { startDemoSimulators } from './simulators.js';

export interface Demo {
  url: string;
  gateway: Gateway;
  ccfs: CcfsSimulator;
  ccgw: CcgwSimulator;
  tokens: Record<string, string>;
  /** `export GW=...` and one `export <TENANT>_TOKEN=...` per tenant: the shell lines need them. */
  exports: string[];
  /** Shell lines, each one a complete `curl` command using "$GW" and the token variables. */
  curlLines: string[];
  /** The demo player page (another origin, allowed by CORS). */
  playerUrl: string;
  /** Where the audit trail goes. */
  auditFile: string;
  close(): Promise<void>;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export async function startDemo(opts: {
  port: number;
  logger: Logger;
  outDir?: string;
  /** The audit trail's destination: a file the demo names, so it stays out of the terminal. */
  audit?: string;
  playerPort?: number;
}): Promise<Demo> {
  const env = demoEnv();
  // The demo names its audit file (in .demo/ by default): its folder is made here, on a fresh clone too.
  if (opts.audit && !['off', 'stdout', 'stderr'].includes(opts.audit))
    mkdirSync(dirname(opts.audit), { recursive: true });
  const { ccfs, ccgw, ccfsUrl, ccgwUrl, root } = await startDemoSimulators(env);

  // The vendor's callback comes to a listener of its own, on a free loopback port.
  const callbackPort = await freePort();
  const parsed = parseConfigText(readFileSync(fileURLToPath(DEMO_CONFIG), 'utf8'), {
    ...env,
    DEMO_CCFS_URL: ccfsUrl,
    DEMO_CCGW_URL: ccgwUrl,
    DEMO_CALLBACK_URL: `http://127.0.0.1:${callbackPort}`,
  });
  // The player page is a web app of another origin: the demo gateway lets it call by CORS.
  const player = await startPlayerPage(opts.playerPort ?? 0);
  const indexDir = mkdtempSync(join(tmpdir(), 'cc-demo-index-'));
  const config = {
    ...parsed,
    server: { ...parsed.server, port: opts.port, cors: { allowedOrigins: [player.origin] } },
    audit: { destination: opts.audit ?? parsed.audit.destination },
    index: { ...parsed.index!, callbackPort, dataDir: indexDir },
  };
  const gateway = createGateway(config, { logger: opts.logger });
  const url = await gateway.listen(opts.port, '127.0.0.1');
  // The first window (three days) is ingested at start: the search lines below find its calls.
  await waitForIndex(
    gateway,
    config.tenants.map((t) => t.id),
  );

  const issuer = config.auth.issuers[0]!;
  const tokens = Object.fromEntries(
    config.tenants.map((t) => [
      t.id,
      mintToken({
        secret: issuer.secret!,
        issuer: issuer.issuer,
        audience: String(issuer.audience),
        tenant: t.id,
        scopes: ALL_SCOPES,
        subject: `demo-user@${t.id}`,
        expiresInSec: 12 * 3600,
      }),
    ]),
  );
  // The lines use "$GW" and "$<TENANT>_TOKEN": the demo prints their exports once, above them.
  const exports = [
    `export GW=${url}`,
    ...config.tenants.map((t) => `export ${t.id.toUpperCase()}_TOKEN=${tokens[t.id]}`),
  ];
  const auth = (tenant = 'acme') => `-H "Authorization: Bearer $${tenant.toUpperCase()}_TOKEN"`;
  const out = (name: string) => `-o ${q(join(opts.outDir ?? '.', name))}`;
  const gw = (path: string) => `"$GW"${q(path)}`;
  const enc = encodeURIComponent;
  const from = new Date(Date.now() - 3 * 86_400_000).toISOString();
  const to = new Date(Date.now() + 3600_000).toISOString();
  const range = `from=${enc(from)}&to=${enc(to)}`;
  // The newest call's first recording, as a search by number returns it: its `download` link.
  const firstDownload =
    `curl -sS --fail-with-body ${auth()} ${gw(`/v1/calls?${range}&number=${enc('+86 138-0013-8000')}&hasRecording=true&limit=1`)}` +
    ` | sed -E 's/.*"download":"([^"]+)".*/\\1/'`;

  // A file made by the demo, for the upload line: 2 s of A-law tones, the vendor's format.
  const sample = join(opts.outDir ?? '.', 'demo-upload.wav');
  writeFileSync(sample, demoRecording(2));
  const upload = `curl -sS --fail-with-body -o /dev/null -w '%header{location}' ${auth()} -H 'Content-Type: audio/wav' --data-binary @${q(sample)} ${gw('/v1/ivr-files')}`;
  const nativeBody = JSON.stringify({ request: { version: '2.0' }, msgBody: { fileName: SEED.acme.recording } });
  const playbackBody = q(JSON.stringify({ fileName: SEED.acme.recording }));
  // A playback URL lives 29 minutes: this line makes a fresh one each time it is run.
  const freshPlayback =
    `curl -sS --fail-with-body ${auth()} -H 'Content-Type: application/json' -d ${playbackBody} ${gw('/v1/recordings/playback')}` +
    ` | sed -E 's/.*"url":"([^"]+)".*/\\1/'`;

  // --fail-with-body: a refusal shows its problem+json (with -fsS a 401 showed only "curl: (22)").
  const curlLines = [
    `curl -sS --fail-with-body ${auth()} ${gw(`/v1/recordings?fileName=${enc(SEED.acme.recording)}`)} ${out('4411223.wav')}`,
    `curl -sS --fail-with-body ${auth()} ${gw(`/v1/calls/${SEED.acme.twoRecordingCall}/recordings`)} ${out('call-two-recordings.zip')}`,
    `curl -sS --fail-with-body ${auth()} -H 'Content-Type: application/json' -d ${playbackBody} ${gw('/v1/recordings/playback')}`,
    `curl -sS --fail-with-body "$GW$(${freshPlayback})" ${out('playback.wav')}`,
    `curl -sS --fail-with-body -H 'Range: bytes=0-43' "$GW$(${freshPlayback})" ${out('playback-header.bin')}`,
    `curl -sS --fail-with-body ${auth()} ${gw(`/v1/ivr-files?path=${enc(SEED.acme.ivrFile)}`)} ${out('welcome.wav')}`,
    `curl -sS --fail-with-body ${auth()} ${gw(`/v1/ivr-files?dir=${enc(SEED.acme.ivrDir)}`)} ${out('greeting.wav')}`,
    `curl -sS --fail-with-body ${auth()} -H 'Content-Type: audio/wav' --data-binary @${q(sample)} ${gw('/v1/ivr-files')}`,
    `curl -sS --fail-with-body ${auth()} "$GW$(${upload})" ${out('uploaded.wav')}`,
    `curl -sS --fail-with-body ${auth()} -H 'Content-Type: application/json' -d ${q(nativeBody)} ${gw('/v1/ccfs/downloadRecord')} ${out('native-4411223.wav')}`,
    `curl -sS --fail-with-body ${auth('globex')} ${gw(`/v1/recordings?fileName=${enc(SEED.globex.recording)}`)} ${out('globex.wav')}`,
    `curl -sS --fail-with-body ${auth()} ${gw(`/v1/agent-recordings?recordId=${enc(SEED.acme.recording)}`)} ${out('agent-4411223.wav')}`,
    `curl -sS --fail-with-body ${auth()} ${gw(`/v1/agent-recordings?recordId=${enc(SEED.acme.voiceMessage)}&fileType=2`)} ${out('voice-message.wav')}`,
    `curl -sS --fail-with-body ${auth()} ${gw(`/v1/calls?${range}&number=${enc('+86 138-0013-8000')}`)}`,
    `curl -sS --fail-with-body ${auth()} ${gw(`/v1/calls?${range}&agentId=1002&limit=5`)}`,
    `curl -sS --fail-with-body ${auth()} ${gw(`/v1/calls/${SEED.acme.twoRecordingCall}`)}`,
    `curl -sS --fail-with-body ${auth()} "$GW$(${firstDownload})" ${out('found-by-search.wav')}`,
    `curl -sS --fail-with-body ${auth()} ${gw('/v1/index/status')}`,
    `curl -sS --fail-with-body ${gw('/healthz')}`,
    `curl -sS --fail-with-body ${gw('/readyz')}`,
    `curl -sS --fail-with-body ${auth()} ${gw('/readyz/details')}`,
    `curl -sS --fail-with-body ${auth()} ${gw('/metrics')} ${out('metrics.txt')}`,
    `curl -sS --fail-with-body ${gw('/openapi.json')} ${out('openapi.json')}`,
  ];
  player.configure(url, tokens.acme!);

  return {
    url,
    gateway,
    ccfs,
    ccgw,
    tokens,
    exports,
    curlLines,
    playerUrl: player.url,
    auditFile: config.audit.destination,
    async close() {
      await gateway.close(2000);
      await player.close();
      await ccgw.close();
      await ccfs.close();
      rmSync(root, { recursive: true, force: true });
      rmSync(indexDir, { recursive: true, force: true });
    },
  };
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** Until every tenant's first window is in (the simulator calls back within a second), at most 30 s. */
async function waitForIndex(gateway: Gateway, tenants: string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const states = await Promise.all(tenants.map((t) => gateway.ingestion!.status(t)));
    if (states.every((s) => s.newestWindowEnd !== null)) return;
    if (Date.now() > deadline) throw new Error('the demo index was not ingested within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
