/**
 * The whole stack on 127.0.0.1:0: the CC-FS simulator with seeded files, the gateway built from
 * a real config through parseConfig, a capturing logger, and token minting for its issuer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ALL_SCOPES, mintToken } from '../../demo/mint.js';
import { CcfsSimulator, type CcfsSimulatorOptions } from '../../simulators/ccfs/server.js';
import { CcgwSimulator, type CcgwSimulatorOptions, type SimAgent } from '../../simulators/ccgateway/server.js';
import { seedCcfs } from '../../simulators/seed.js';
import { parseConfig } from '../../src/config/load.js';
import type { GatewayConfig } from '../../src/config/schema.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/gateway.js';
import { captureLogger } from './logs.js';

export const ISSUER = 'https://idp.test.internal';
export const AUDIENCE = 'cc-file-gateway';
export const JWT_SECRET = 'test-jwt-secret-0123456789-abcdefghijklmnop';
export const ACCOUNTS = {
  acme: { ak: 'AK-ACME-0001', sk: 'SK-acme-secret-value-0001', vdnIds: [53] },
  globex: { ak: 'AK-GLOBEX-0002', sk: 'SK-globex-secret-value-0002', vdnIds: [54, 55] },
} as const;

/** CC-Gateway agents: acme's may not be forced in, globex's two may. */
export const AGENTS = {
  acme: { agentId: 1001, password: 'agent-1001-password', vdnId: 53 },
  globexA: { agentId: 2001, password: 'agent-2001-password', vdnId: 54 },
  globexB: { agentId: 2002, password: 'agent-2002-password', vdnId: 54 },
} as const satisfies Record<string, SimAgent>;

// biome-ignore lint/suspicious/noExplicitAny: tests edit raw config documents at any depth before they are validated
export type RawConfig = Record<string, any>;

export function baseConfig(ccfsUrl: string, ccgwUrl = 'http://127.0.0.1:9'): RawConfig {
  return {
    server: {
      host: '127.0.0.1',
      port: 0,
      playbackSecret: 'playback-secret-for-tests-0123456789abcdef',
      shutdownGraceMs: 5000,
      drainDelayMs: 0,
    },
    logging: { level: 'debug' },
    audit: { destination: 'off' },
    auth: {
      issuers: [{ issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'], secret: JWT_SECRET }],
      // The attack suites send hundreds of bad tokens from 127.0.0.1; the budget has its own tests.
      failedAuthLimit: { burst: 100_000, perMinute: 100_000 },
    },
    upstreams: {
      ccfs: { baseUrl: ccfsUrl, headersTimeoutMs: 2000, idleTimeoutMs: 2000, connectTimeoutMs: 1000 },
      ccgateway: {
        baseUrl: ccgwUrl,
        headersTimeoutMs: 2000,
        idleTimeoutMs: 2000,
        connectTimeoutMs: 1000,
        pollIntervalMs: 20,
        pollTimeoutMs: 3000,
        signInRetryAfterMs: 1000,
      },
    },
    tenants: [
      {
        id: 'acme',
        vdnIds: [53],
        ccId: '1',
        ccfs: { ak: ACCOUNTS.acme.ak, sk: ACCOUNTS.acme.sk },
        limits: { requestsPerSecond: 100000, burst: 100000, concurrentStreams: 1000 },
        ccgateway: { agents: [{ agentId: AGENTS.acme.agentId, password: AGENTS.acme.password, phoneNumber: '60001' }] },
      },
      {
        id: 'globex',
        vdnIds: [54, 55],
        ccfs: { ak: ACCOUNTS.globex.ak, sk: ACCOUNTS.globex.sk },
        limits: { requestsPerSecond: 100000, burst: 100000, concurrentStreams: 1000 },
        ccgateway: {
          agents: [
            {
              agentId: AGENTS.globexA.agentId,
              password: AGENTS.globexA.password,
              phoneNumber: '60002',
              allowForceLogin: true,
            },
            {
              agentId: AGENTS.globexB.agentId,
              password: AGENTS.globexB.password,
              phoneNumber: '60003',
              allowForceLogin: true,
            },
          ],
        },
      },
    ],
  };
}

/** An ops endpoint of the API's listener (readiness details, metrics), with a token holding `ops:read`. */
export function opsGet(stack: Stack, path: '/readyz/details' | '/metrics') {
  return request(stack.url).get(path).set('Authorization', `Bearer ${stack.token()}`);
}

/** Downloads and uploads the gateway counts as in progress for a tenant (its active_streams gauge). */
export async function activeStreams(stack: Stack, tenant = 'acme'): Promise<number> {
  const { values } = await stack.gateway.deps.metrics.activeStreams.get();
  return values.find((v) => v.labels.tenant === tenant)?.value ?? 0;
}

export interface Stack {
  ccfs: CcfsSimulator;
  ccgw: CcgwSimulator;
  gateway: Gateway;
  url: string;
  config: GatewayConfig;
  lines: string[];
  root: string;
  token(tenant?: string, scopes?: readonly string[], extra?: { subject?: string }): string;
  /** One more gateway instance on the same config and simulators (a replica); closed with the stack. */
  replica(): Promise<{ gateway: Gateway; url: string; lines: string[] }>;
  close(): Promise<void>;
}

export interface StackOptions {
  configure?: (raw: RawConfig) => void;
  sim?: Partial<CcfsSimulatorOptions>;
  ccgw?: Partial<CcgwSimulatorOptions>;
  now?: () => number;
  /** Options of createGateway beyond the logger and the clock. */
  gateway?: Pick<GatewayOptions, 'ingestion'>;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const root = mkdtempSync(join(tmpdir(), 'ccfs-sim-'));
  const ccfs = new CcfsSimulator({
    root,
    accounts: [ACCOUNTS.acme, ACCOUNTS.globex].map((a) => ({ ...a, vdnIds: [...a.vdnIds] })),
    ...opts.sim,
  });
  const simUrl = await ccfs.listen();
  await seedCcfs(ccfs);
  const ccgw = new CcgwSimulator({ agents: Object.values(AGENTS), store: ccfs.store, pollWaitMs: 200, ...opts.ccgw });
  const ccgwUrl = await ccgw.listen();
  const raw = baseConfig(simUrl, ccgwUrl);
  opts.configure?.(raw);
  const config = parseConfig(raw);
  const { logger, lines } = captureLogger();
  const gateway = createGateway(config, { logger, ...opts.gateway, ...(opts.now ? { now: opts.now } : {}) });
  const url = await gateway.listen(0, '127.0.0.1');
  const replicas: Gateway[] = [];
  return {
    ccfs,
    ccgw,
    gateway,
    url,
    config,
    lines,
    root,
    token: (tenant = 'acme', scopes = ALL_SCOPES, extra = {}) =>
      mintToken({
        secret: JWT_SECRET,
        issuer: ISSUER,
        audience: AUDIENCE,
        tenant,
        scopes,
        ...(extra.subject ? { subject: extra.subject } : {}),
      }),
    async replica() {
      const captured = captureLogger();
      const g = createGateway(config, {
        logger: captured.logger,
        ...opts.gateway,
        ...(opts.now ? { now: opts.now } : {}),
      });
      replicas.push(g);
      return { gateway: g, url: await g.listen(0, '127.0.0.1'), lines: captured.lines };
    },
    async close() {
      await Promise.all([...replicas, gateway].map((g) => g.close(100)));
      await ccgw.close();
      await ccfs.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
