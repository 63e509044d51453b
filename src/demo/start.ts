/**
 * Demo mode: the CC-FS and CC-Gateway simulators on 127.0.0.1 with seeded, playable recordings, then the gateway
 * configured by config/demo.yaml, then a token per tenant and one working curl line per route.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { parseConfigText } from '../config/load.js';
import { createGateway, type Gateway } from '../gateway.js';
import { CcfsSimulator } from '../simulators/ccfs/server.js';
import { CcgwSimulator } from '../simulators/ccgateway/server.js';
import { seedCcfs, SEED } from '../simulators/seed.js';
import { demoRecording } from '../simulators/shared/audio.js';
import { ALL_SCOPES, mintToken } from './mint.js';
import { DEMO_CONFIG, demoEnv } from './env.js';

export interface Demo {
  url: string;
  gateway: Gateway;
  ccfs: CcfsSimulator;
  ccgw: CcgwSimulator;
  tokens: Record<string, string>;
  /** Shell lines, each one a complete `curl` command. */
  curlLines: string[];
  close(): Promise<void>;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export async function startDemo(opts: {
  port: number;
  logger: Logger;
  outDir?: string;
  audit?: string;
}): Promise<Demo> {
  const root = mkdtempSync(join(tmpdir(), 'cc-demo-ccfs-'));
  const env = demoEnv();
  const ccfs = new CcfsSimulator({
    root,
    accounts: [
      { ak: env.DEMO_ACME_AK!, sk: env.DEMO_ACME_SK!, vdnIds: [53] },
      { ak: env.DEMO_GLOBEX_AK!, sk: env.DEMO_GLOBEX_SK!, vdnIds: [54, 55] },
    ],
  });
  const ccfsUrl = await ccfs.listen(0, '127.0.0.1');
  await seedCcfs(ccfs);
  // The CC-Gateway mounts the same file server (cc-protocol 3.13), in dynamic Guid mode.
  const ccgw = new CcgwSimulator({
    store: ccfs.store,
    agents: [
      { agentId: 1001, password: env.DEMO_AGENT_1001_PASSWORD!, vdnId: 53 },
      { agentId: 2001, password: env.DEMO_AGENT_2001_PASSWORD!, vdnId: 54 },
      { agentId: 2002, password: env.DEMO_AGENT_2002_PASSWORD!, vdnId: 54 },
    ],
    rotateEveryMs: 60_000,
  });
  const ccgwUrl = await ccgw.listen(0, '127.0.0.1');

  const parsed = parseConfigText(readFileSync(fileURLToPath(DEMO_CONFIG), 'utf8'), {
    ...env,
    DEMO_CCFS_URL: ccfsUrl,
    DEMO_CCGW_URL: ccgwUrl,
  });
  const config = {
    ...parsed,
    server: { ...parsed.server, port: opts.port },
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
  const auth = (tenant = 'acme') => `-H ${q(`Authorization: Bearer ${tokens[tenant]}`)}`;
  const out = (name: string) => `-o ${q(join(opts.outDir ?? '.', name))}`;
  const enc = encodeURIComponent;

  // One playback made now, so that its line needs no token (it is valid for 29 minutes).
  const pb = await fetch(`${url}/v1/recordings/playback`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens.acme}`, 'content-type': 'application/json' },
    body: JSON.stringify({ fileName: SEED.acme.recording }),
  });
  const playback = (await pb.json()) as { url: string };

  // A file made by the demo, for the upload line: 2 s of A-law tones, the vendor's format.
  const sample = join(opts.outDir ?? '.', 'demo-upload.wav');
  writeFileSync(sample, demoRecording(2));
  const upload = `curl -fsS -o /dev/null -w '%header{location}' ${auth()} -H 'Content-Type: audio/wav' --data-binary @${q(sample)} ${q(`${url}/v1/ivr-files`)}`;
  const nativeBody = JSON.stringify({ request: { version: '2.0' }, msgBody: { fileName: SEED.acme.recording } });

  const curlLines = [
    `curl -fsS ${auth()} ${q(`${url}/v1/recordings?fileName=${enc(SEED.acme.recording)}`)} ${out('4411223.wav')}`,
    `curl -fsS ${auth()} ${q(`${url}/v1/calls/${SEED.acme.twoRecordingCall}/recordings`)} ${out('call-two-recordings.zip')}`,
    `curl -fsS ${auth()} -H 'Content-Type: application/json' -d ${q(JSON.stringify({ fileName: SEED.acme.recording }))} ${q(`${url}/v1/recordings/playback`)}`,
    `curl -fsS ${q(`${url}${playback.url}`)} ${out('playback.wav')}`,
    `curl -fsS ${auth()} ${q(`${url}/v1/ivr-files?path=${enc(SEED.acme.ivrFile)}`)} ${out('welcome.wav')}`,
    `curl -fsS ${auth()} ${q(`${url}/v1/ivr-files?dir=${enc(SEED.acme.ivrDir)}`)} ${out('greeting.wav')}`,
    `curl -fsS ${auth()} -H 'Content-Type: audio/wav' --data-binary @${q(sample)} ${q(`${url}/v1/ivr-files`)}`,
    `curl -fsS ${auth()} "${url}$(${upload})" ${out('uploaded.wav')}`,
    `curl -fsS ${auth()} -H 'Content-Type: application/json' -d ${q(nativeBody)} ${q(`${url}/v1/ccfs/downloadRecord`)} ${out('native-4411223.wav')}`,
    `curl -fsS ${auth('globex')} ${q(`${url}/v1/recordings?fileName=${enc(SEED.globex.recording)}`)} ${out('globex.wav')}`,
    `curl -fsS ${auth()} ${q(`${url}/v1/agent-recordings?recordId=${enc(SEED.acme.recording)}`)} ${out('agent-4411223.wav')}`,
    `curl -fsS ${auth()} ${q(`${url}/v1/agent-recordings?recordId=${enc(SEED.acme.voiceMessage)}&fileType=2`)} ${out('voice-message.wav')}`,
    `curl -fsS ${q(`${url}/healthz`)}`,
    `curl -fsS ${q(`${url}/readyz`)}`,
    `curl -fsS ${auth()} ${q(`${url}/metrics`)} ${out('metrics.txt')}`,
    `curl -fsS ${q(`${url}/openapi.json`)} ${out('openapi.json')}`,
  ];

  return {
    url,
    gateway,
    ccfs,
    ccgw,
    tokens,
    curlLines,
    async close() {
      await gateway.close(2000);
      await ccgw.close();
      await ccfs.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
