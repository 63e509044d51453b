import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Pool } from 'undici';
import {
  benchToken,
  BIG_FILE,
  buildGateway,
  children,
  cpuSeconds,
  gatewayConfig,
  gatewayNodeArgs,
  median,
  startGateway,
  startSimulators,
} from './lib.js';

const SIZE_MIB = Number(process.env.BENCH_SIZE_MIB ?? 200);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 16);
const REPORT = `--import=data:text/javascript,setInterval(()=>process.stdout.write('mem '+JSON.stringify(process.memoryUsage())+'\\n'),200).unref()`;

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** The resident set split by kind: file-backed pages (the Node binary, shared libraries) and anonymous ones (heaps, malloc, stacks). */
const residentKinds = (pid: number) => {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0) / 1024;
  return { anon: kb('RssAnon'), file: kb('RssFile') };
};
const kinds = (k: { anon: number; file: number }) => `anon ${k.anon.toFixed(0)}, file ${k.file.toFixed(0)}`;

async function main() {
  const { simUrl, ccgwUrl } = await startSimulators(SIZE_MIB);
  // BENCH_NO_BUILD=1 measures dist/ as it is (an earlier build, to compare).
  if (process.env.BENCH_NO_BUILD !== '1') buildGateway();
  const dir = mkdtempSync(join(tmpdir(), 'bench-mem-'));
  const gw = await startGateway(gatewayConfig(dir, 'gateway', { simUrl, ccgwUrl, audit: join(dir, 'audit.jsonl') }), [
    REPORT,
    ...gatewayNodeArgs(),
  ]);
  const samples: Array<Record<string, number>> = [];
  // The reports share stdout with the gateway's log lines.
  const reports = createInterface({ input: gw.child.stdout! });
  reports.on('line', (l) => {
    if (l.startsWith('mem ')) samples.push(JSON.parse(l.slice(4)) as Record<string, number>);
  });
  const pid = gw.child.pid!;
  // Let a memoryUsage report arrive so the idle heap is known.
  await new Promise((r) => setTimeout(r, 600));
  const idle = rssMiB(pid);
  const idleKinds = residentKinds(pid);
  const idleHeap = samples.at(-1);
  const token = benchToken(['recordings:read']);
  const pool = new Pool(gw.url, { connections: STREAMS });
  let peak = 0;
  let peakKinds = idleKinds;
  const rss: number[] = [];
  const sampler = setInterval(() => {
    const r = rssMiB(pid);
    rss.push(r);
    if (r > peak) {
      peak = r;
      peakKinds = residentKinds(pid);
    }
  }, 100);
  const t0 = performance.now();
  const cpu0 = cpuSeconds(pid);
  await Promise.all(
    Array.from({ length: STREAMS }, async () => {
      const res = await pool.request({
        method: 'GET',
        path: `/v1/recordings?fileName=${encodeURIComponent(BIG_FILE)}`,
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
  // What the process keeps once the work is over (V8 gives memory back only through its memory reducer).
  await new Promise((r) => setTimeout(r, 15_000));
  const after = rssMiB(pid);
  const afterKinds = residentKinds(pid);
  const mib = (n: number) => (n / 1048576).toFixed(0);
  const max = (k: string) => Math.max(0, ...samples.map((s) => s[k] ?? 0));
  process.stdout.write(
    [
      `${STREAMS} x ${SIZE_MIB} MiB in ${secs.toFixed(1)} s (${((STREAMS * SIZE_MIB) / secs).toFixed(0)} MiB/s), ` +
        `gateway CPU ${(cpu / ((STREAMS * SIZE_MIB) / 1024)).toFixed(2)} s per GiB`,
      `RSS MiB: idle ${idle.toFixed(0)} (${kinds(idleKinds)}), median during ${median(rss).toFixed(0)}, peak ${peak.toFixed(0)} (${kinds(peakKinds)}), 15 s after ${after.toFixed(0)} (${kinds(afterKinds)})`,
      idleHeap
        ? `idle MiB (memoryUsage): heapTotal ${mib(idleHeap.heapTotal ?? 0)}, heapUsed ${mib(idleHeap.heapUsed ?? 0)}, external ${mib(idleHeap.external ?? 0)}, arrayBuffers ${mib(idleHeap.arrayBuffers ?? 0)}`
        : 'no idle memoryUsage report yet',
      samples.length > 0
        ? `peaks MiB (memoryUsage): heapTotal ${mib(max('heapTotal'))}, heapUsed ${mib(max('heapUsed'))}, external ${mib(max('external'))}, arrayBuffers ${mib(max('arrayBuffers'))}`
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
