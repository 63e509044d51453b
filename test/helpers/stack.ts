/**
 * The whole stack on 127.0.0.1:0: the CC-FS simulator with seeded files, the gateway built from
 * a real config through parseConfig, a capturing logger, and token minting for its issuer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import type { GatewayConfig } from '../../src/config/schema.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { CcfsSimulator, type CcfsSimulatorOptions } from '../../src/simulators/ccfs/server.js';
import { seedCcfs } from '../../src/simulators/seed.js';
import { ALL_SCOPES, mintToken } from '../../src/tools/mint.js';
import { captureLogger } from './logs.js';

export const ISSUER = 'https://idp.test.internal';
export const AUDIENCE = 'cc-file-gateway';
export const JWT_SECRET = 'test-jwt-secret-0123456789-abcdefghijklmnop';
export const ACCOUNTS = {
  acme: { ak: 'AK-ACME-0001', sk: 'SK-acme-secret-value-0001', vdnIds: [53] },
  globex: { ak: 'AK-GLOBEX-0002', sk: 'SK-globex-secret-value-0002', vdnIds: [54, 55] },
} as const;

export type RawConfig = Record<string, any>;

export function baseConfig(ccfsUrl: string): RawConfig {
  return {
    server: { host: '127.0.0.1', port: 0, playbackSecret: 'playback-secret-for-tests-0123456789abcdef', shutdownGraceMs: 5000 },
    logging: { level: 'debug' },
    auth: { issuers: [{ issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'], secret: JWT_SECRET }] },
    upstreams: { ccfs: { baseUrl: ccfsUrl, headersTimeoutMs: 2000, idleTimeoutMs: 2000, connectTimeoutMs: 1000 } },
    tenants: [
      { id: 'acme', vdnIds: [53], ccId: '1', ccfs: { ak: ACCOUNTS.acme.ak, sk: ACCOUNTS.acme.sk } },
      { id: 'globex', vdnIds: [54, 55], ccfs: { ak: ACCOUNTS.globex.ak, sk: ACCOUNTS.globex.sk } },
    ],
  };
}

export interface Stack {
  ccfs: CcfsSimulator;
  gateway: Gateway;
  url: string;
  config: GatewayConfig;
  lines: string[];
  root: string;
  token(tenant?: string, scopes?: readonly string[], extra?: { subject?: string }): string;
  close(): Promise<void>;
}

export interface StackOptions {
  configure?: (raw: RawConfig) => void;
  sim?: Partial<CcfsSimulatorOptions>;
  now?: () => number;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const root = mkdtempSync(join(tmpdir(), 'ccfs-sim-'));
  const ccfs = new CcfsSimulator({ root, accounts: [ACCOUNTS.acme, ACCOUNTS.globex].map((a) => ({ ...a, vdnIds: [...a.vdnIds] })), ...opts.sim });
  const simUrl = await ccfs.listen();
  await seedCcfs(ccfs);
  const raw = baseConfig(simUrl);
  opts.configure?.(raw);
  const config = parseConfig(raw);
  const { logger, lines } = captureLogger();
  const gateway = createGateway(config, { logger, ...(opts.now ? { now: opts.now } : {}) });
  const url = await gateway.listen(0, '127.0.0.1');
  return {
    ccfs, gateway, url, config, lines, root,
    token: (tenant = 'acme', scopes = ALL_SCOPES, extra = {}) =>
      mintToken({ secret: JWT_SECRET, issuer: ISSUER, audience: AUDIENCE, tenant, scopes, ...(extra.subject ? { subject: extra.subject } : {}) }),
    async close() {
      await gateway.close(100);
      await ccfs.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
