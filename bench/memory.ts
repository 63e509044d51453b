/**
 * `npm run bench:memory`: where the gateway's memory goes during concurrent downloads. The built
 * gateway reports `process.memoryUsage()` every 200 ms (V8's heap, the external and array buffers
 * it knows of); /proc gives the resident set, so what neither explains is the allocator's (glibc's
 * arenas) or the code's. BENCH_SIZE_MIB (200), BENCH_STREAMS (16); BENCH_GATEWAY_NODE_ARGS and
 * MALLOC_ARENA_MAX pass through to try settings.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Pool } from 'undici';
import { mintToken } from '../src/demo/mint.js';
import {
  AGENT_PASSWORD,
  AK,
  children,
  cpuSeconds,
  gatewayConfig,
  JWT_SECRET,
  median,
  SK,
  startChild,
  startGateway,
} from './lib.js';

const SIZE_MIB = Number(process.env.BENCH_SIZE_MIB ?? 200);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 16);
const BIG = 'Y:/53/0/20261125/1001/bench.V3';
const REPORT = `--import=data:text/javascript,setInterval(()=>process.stdout.write('mem '+JSON.stringify(process.memoryUsage())+'\\n'),200).unref()`;

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function main() {
  const sim = await startChild(['--import', 'tsx', 'bench/sim-server.ts'], {
    BENCH_AK: AK,
    BENCH_SK: SK,
    BENCH_SIZE_MIB: String(SIZE_MIB),
    BENCH_AGENT_PASSWORD: AGENT_PASSWORD,
  });
  const { url: simUrl, ccgwUrl } = JSON.parse(sim.readyLine) as { url: string; ccgwUrl: string };
  // BENCH_NO_BUILD=1 measures dist/ as it is (an earlier build, to compare).
  if (process.env.BENCH_NO_BUILD !== '1')
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
      stdio: 'inherit',
    });
  const dir = mkdtempSync(join(tmpdir(), 'bench-mem-'));
  const extra = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const gw = await startGateway(gatewayConfig(dir, 'gateway', { simUrl, ccgwUrl, audit: join(dir, 'audit.jsonl') }), [
    REPORT,
    ...extra,
  ]);
  const samples: Array<Record<string, number>> = [];
  // The reports share stdout with the gateway's log lines.
  const reports = createInterface({ input: gw.child.stdout! });
  reports.on('line', (l) => {
    if (l.startsWith('mem ')) samples.push(JSON.parse(l.slice(4)) as Record<string, number>);
  });
  const pid = gw.child.pid!;
  const idle = rssMiB(pid);
  const token = mintToken({
    secret: JWT_SECRET,
    issuer: 'https://bench',
    audience: 'gw',
    tenant: 'acme',
    scopes: ['recordings:read'],
    expiresInSec: 3600,
  });
  const pool = new Pool(gw.url, { connections: STREAMS });
  let peak = 0;
  const rss: number[] = [];
  const sampler = setInterval(() => {
    const r = rssMiB(pid);
    rss.push(r);
    peak = Math.max(peak, r);
  }, 100);
  const t0 = performance.now();
  const cpu0 = cpuSeconds(pid);
  await Promise.all(
    Array.from({ length: STREAMS }, async () => {
      const res = await pool.request({
        method: 'GET',
        path: `/v1/recordings?fileName=${encodeURIComponent(BIG)}`,
        headers: { authorization: `Bearer ${token}` },
      });
      for await (const _ of res.body) {
        // drained
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  clearInterval(sampler);
  await pool.close();
  const mib = (n: number) => (n / 1048576).toFixed(0);
  const last = samples.at(-1);
  const max = (k: string) => Math.max(0, ...samples.map((s) => s[k] ?? 0));
  process.stdout.write(
    [
      `${STREAMS} x ${SIZE_MIB} MiB in ${secs.toFixed(1)} s (${((STREAMS * SIZE_MIB) / secs).toFixed(0)} MiB/s), ` +
        `gateway CPU ${(cpu / ((STREAMS * SIZE_MIB) / 1024)).toFixed(2)} s per GiB`,
      `RSS MiB: idle ${idle.toFixed(0)}, median during ${median(rss).toFixed(0)}, peak ${peak.toFixed(0)}`,
      samples.length > 0
        ? `peaks MiB (memoryUsage): heapTotal ${mib(max('heapTotal'))}, heapUsed ${mib(max('heapUsed'))}, external ${mib(max('external'))}, arrayBuffers ${mib(max('arrayBuffers'))}; last rss ${mib(last?.rss ?? 0)}`
        : 'no memoryUsage reports',
      '',
    ].join('\n'),
  );
  gw.child.kill('SIGTERM');
  for (const c of children) c.kill('SIGTERM');
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  for (const c of children) c.kill('SIGTERM');
  process.exit(1);
});
