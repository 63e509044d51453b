/**
 * The demo's vendor: the CC-FS and CC-Gateway simulators with the demo's accounts, agents and
 * seeded recordings. The demo starts them on loopback; `simulators-main.ts` runs them alone (the
 * compose file's `simulators` service).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CcfsSimulator } from '../simulators/ccfs/server.js';
import { CcgwSimulator } from '../simulators/ccgateway/server.js';
import { seedCalls, seedCcfs } from '../simulators/seed.js';

export async function startDemoSimulators(
  env: NodeJS.ProcessEnv,
  listen: { host?: string; ccfsPort?: number; ccgwPort?: number } = {},
) {
  const host = listen.host ?? '127.0.0.1';
  const root = mkdtempSync(join(tmpdir(), 'cc-demo-ccfs-'));
  const ccfs = new CcfsSimulator({
    root,
    accounts: [
      { ak: env.DEMO_ACME_AK!, sk: env.DEMO_ACME_SK!, vdnIds: [53] },
      { ak: env.DEMO_GLOBEX_AK!, sk: env.DEMO_GLOBEX_SK!, vdnIds: [54, 55] },
    ],
  });
  const ccfsUrl = await ccfs.listen(listen.ccfsPort ?? 0, host);
  await seedCcfs(ccfs);
  // A few days of calls for the index, the newest ending now.
  await seedCalls(ccfs, Date.now());
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
  const ccgwUrl = await ccgw.listen(listen.ccgwPort ?? 0, host);
  return { ccfs, ccgw, ccfsUrl, ccgwUrl, root };
}
