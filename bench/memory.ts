import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Pool } from 'undici';
import {
  BIG_FILE,
  benchToken,
  buildGateway,
  children,
  cpuSeconds,
  gatewayConfig,
  gatewayNodeArgs,
  median,
  memoryOf,
  startGateway,
  startSimulators,
} from './lib.js';

const SIZE_MIB = Number(process.env.BENCH_SIZE_MIB ?? 200);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 16);
const REPORT = `--import=data:text/javascript,setInterval(()=>process.stdout.write('mem '+JSON.stringify(process.memoryUsage())+'\\n'),200).unref()`;

/** The resident set and its split into anonymous pages (heaps, malloc, stacks) and file-backed ones (the Node binary, shared libraries). */
const kinds = (m: { rss: number; anon: number; file: number }) =>
  `${m.rss.toFixed(0)} (anon ${m.anon.toFixed(0)}, file ${m.file.toFixed(0)})`;

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
  let firstReport = () => {};
  const reported = new Promise<void>((resolve) => {
    firstReport = resolve;
  });
  reports.on('line', (l) => {
    if (!l.startsWith('mem ')) return;
    samples.push(JSON.parse(l.slice(4)) as Record<string, number>);
    firstReport();
  });
  const pid = gw.child.pid!;
  // The idle heap is the first memoryUsage report's.
  await reported;
  const idle = memoryOf(pid);
  const idleHeap = samples.at(-1);
  const token = benchToken(['recordings:read']);
  const pool = new Pool(gw.url, { connections: STREAMS });
  let peak = idle;
  const rss: number[] = [];
  const sampler = setInterval(() => {
    const now = memoryOf(pid);
    rss.push(now.rss);
    if (now.rss > peak.rss) peak = now;
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
  const after = memoryOf(pid);
  const mib = (n: number) => (n / 1048576).toFixed(0);
  const max = (k: string) => Math.max(0, ...samples.map((s) => s[k] ?? 0));
  process.stdout.write(
    [
      `${STREAMS} x ${SIZE_MIB} MiB in ${secs.toFixed(1)} s (${((STREAMS * SIZE_MIB) / secs).toFixed(0)} MiB/s), ` +
        `gateway CPU ${(cpu / ((STREAMS * SIZE_MIB) / 1024)).toFixed(2)} s per GiB`,
      `RSS MiB: idle ${kinds(idle)}, median during ${median(rss).toFixed(0)}, peak ${kinds(peak)}, 15 s after ${kinds(after)}`,
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
