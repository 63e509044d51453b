/** Both simulators as their own process for the benchmark; prints their URLs when ready. */

import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CcfsSimulator } from '../simulators/ccfs/server.js';
import { CcgwSimulator } from '../simulators/ccgateway/server.js';
import { seedCcfs } from '../simulators/seed.js';

const [ak, sk, sizeMiB] = [process.env.BENCH_AK!, process.env.BENCH_SK!, Number(process.env.BENCH_SIZE_MIB ?? 200)];
const sim = new CcfsSimulator({
  root: mkdtempSync(join(tmpdir(), 'bench-ccfs-')),
  accounts: [{ ak, sk, vdnIds: [53] }],
});
const url = await sim.listen(0, '127.0.0.1');
await seedCcfs(sim);
const block = randomBytes(1024 * 1024);
block.write('RIFF\0\0\0\0WAVE', 0, 'latin1');
await sim.store.put(
  'Y:/53/0/20261125/1001/bench.V3',
  Readable.from(
    (function* () {
      for (let i = 0; i < sizeMiB; i++) yield block;
    })(),
  ),
);
// Agent 1001 is the gateway's, 1002 the direct client's, 1003 the replicas', 1004 the workers': one session per agent.
const ccgw = new CcgwSimulator({
  store: sim.store,
  agents: [
    { agentId: 1001, password: process.env.BENCH_AGENT_PASSWORD!, vdnId: 53 },
    { agentId: 1002, password: process.env.BENCH_AGENT_PASSWORD!, vdnId: 53 },
    { agentId: 1003, password: process.env.BENCH_AGENT_PASSWORD!, vdnId: 53 },
    { agentId: 1004, password: process.env.BENCH_AGENT_PASSWORD!, vdnId: 53 },
  ],
  idleSignOutMs: 3_600_000,
});
const ccgwUrl = await ccgw.listen(0, '127.0.0.1');
// The benchmark measures throughput, not the simulators' request logs.
setInterval(() => {
  sim.requests.length = 0;
  sim.uploads.length = 0;
  ccgw.requests.length = 0;
}, 1000).unref();
process.stdout.write(`${JSON.stringify({ url, ccgwUrl })}\n`);
