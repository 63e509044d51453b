/**
 * Demo mode: the CC-FS and CC-Gateway simulators on 127.0.0.1 with seeded, playable recordings, then the gateway
 * configured by config/demo.yaml, then a token per tenant and one working curl line per route.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

  const parsed = parseConfigText(readFileSync(fileURLToPath(DEMO_CONFIG), 'utf8'), {
    ...env,
    DEMO_CCFS_URL: ccfsUrl,
    DEMO_CCGW_URL: ccgwUrl,
  });
  // The player page is a web app of another origin: the demo gateway lets it call by CORS.
  const player = await startPlayerPage(
    [
      { label: 'acme call recording (3 s)', fileName: SEED.acme.recording },
      { label: 'acme second recording of a call', fileName: SEED.acme.twoRecordingFiles[0] },
    ],
    opts.playerPort ?? 0,
  );
  const config = {
    ...parsed,
    server: { ...parsed.server, port: opts.port, cors: { allowedOrigins: [player.origin] } },
    audit: { destination: opts.audit ?? parsed.audit.destination },
  };
  const gateway = createGateway(config, { logger: opts.logger });
  const url = await gateway.listen(opts.port, '127.0.0.1');

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
    },
  };
}
