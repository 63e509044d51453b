import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { SEED } from '../simulators/seed.js';
import {
  BIG_FILE,
  benchToken,
  buildGateway,
  children,
  cpuOf,
  gatewayConfig,
  gatewayNodeArgs,
  sequential,
  startGateway,
  startSimulators,
  uploadWav,
} from './lib.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

const SECONDS = Number(process.env.BENCH_PROFILE_SECONDS ?? 10);
/** BENCH_PROFILE_OFF=1: no profiler, only the CPU per call (the profiler's own sampling costs some). */
const PROFILE = process.env.BENCH_PROFILE_OFF !== '1';
const RUNS = Number(process.env.BENCH_PROFILE_RUNS ?? 1);
const ROUTE = process.env.BENCH_PROFILE_ROUTE ?? '3.3';
/** Seconds the gateway sits idle before each run after the first: what a quiet hour does to its code. */
const PAUSE = Number(process.env.BENCH_PROFILE_PAUSE ?? 0);
/** BENCH_PROFILE_MIXED=1: 4 s of 16 downloads before each run after the first (traffic of both kinds). */
const MIXED = process.env.BENCH_PROFILE_MIXED === '1';

async function main() {
  const { simUrl, ccgwUrl } = await startSimulators(16);
  buildGateway();
  const dir = mkdtempSync(join(tmpdir(), 'bench-prof-'));
  const profDir = resolve('bench/results/profile');
  mkdirSync(profDir, { recursive: true });
  const gw = await startGateway(gatewayConfig(dir, 'gateway', { simUrl, ccgwUrl, audit: join(dir, 'audit.jsonl') }), [
    ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []),
    ...gatewayNodeArgs(),
  ]);
  const headers = {
    authorization: `Bearer ${benchToken(['recordings:read', 'agent-recordings:read'])}`,
  };
  const opts: autocannon.Options =
    ROUTE === '3.8'
      ? { url: `${gw.url}/v1/agent-recordings?recordId=${encodeURIComponent(SEED.acme.recording)}`, headers }
      : ROUTE === 'download'
        ? { url: `${gw.url}/v1/recordings?fileName=${encodeURIComponent(BIG_FILE)}`, headers }
        : ROUTE === 'upload'
          ? {
              url: `${gw.url}/v1/ivr-files`,
              method: 'POST',
              headers: { authorization: `Bearer ${benchToken(['ivr-files:write'])}`, 'content-type': 'audio/wav' },
              body: uploadWav(),
            }
          : {
              url: `${gw.url}/v1/recordings/playback`,
              method: 'POST',
              headers: { ...headers, 'content-type': 'application/json' },
              body: JSON.stringify({ fileName: SEED.acme.recording }),
            };
  await autocannon({ ...opts, connections: 4, duration: 1 }); // warm up
  for (let run = 0; run < RUNS; run += 1) {
    if (run > 0 && PAUSE > 0) await new Promise((r) => setTimeout(r, PAUSE * 1000));
    if (run > 0 && MIXED) {
      const download = `${gw.url}/v1/recordings?fileName=${encodeURIComponent(BIG_FILE)}`;
      await autocannon({ url: download, headers, connections: 16, duration: 4 });
    }
    const cpu0 = cpuOf(gw);
    const connections = Number(
      process.env.BENCH_PROFILE_CONNECTIONS ?? (ROUTE === 'download' ? 16 : ROUTE === 'upload' ? 4 : 32),
    );
    if (connections === 1) {
      // One at a time, timed to the microsecond.
      const s = await sequential(opts as Parameters<typeof sequential>[0], SECONDS);
      const cpu = cpuOf(gw) - cpu0;
      process.stdout.write(
        `${ROUTE} c=1: ${s.calls} calls, ${s.failures} failed, ${((cpu * 1e6) / s.calls).toFixed(0)} µs CPU per call, ` +
          `p50 ${s.p50.toFixed(3)} ms, p99 ${s.p99.toFixed(3)} ms\n`,
      );
      continue;
    }
    const r = await autocannon({ ...opts, connections, duration: SECONDS });
    const cpu = cpuOf(gw) - cpu0;
    process.stdout.write(
      `${ROUTE}: ${r.requests.total} calls, ${r.non2xx} non-2xx, ${((cpu * 1e6) / r.requests.total).toFixed(0)} µs CPU per call\n`,
    );
  }
  const exited = new Promise((res) => gw.child.once('exit', res));
  gw.child.kill('SIGTERM');
  await exited;
  for (const c of children) c.kill('SIGTERM');
  if (!PROFILE) return;

  const file = readdirSync(profDir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .at(-1)!;
  const prof = JSON.parse(readFileSync(join(profDir, file), 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  prof.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fns = new Map<string, number>();
  const pkgs = new Map<string, number>();
  for (const [id, t] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = url.replace(/^file:\/\//, '').replace(process.cwd(), '');
    const pkg =
      /node_modules\/((@[^/]+\/)?[^/]+)/.exec(where)?.[1] ??
      (where.startsWith('/dist/')
        ? 'gateway'
        : where.startsWith('node:')
          ? 'node'
          : functionName.startsWith('(')
            ? functionName
            : 'node internals');
    fns.set(
      `${functionName || '(anonymous)'} ${where}:${lineNumber}`,
      (fns.get(`${functionName || '(anonymous)'} ${where}:${lineNumber}`) ?? 0) + t,
    );
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + t);
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, t]) => `${((t / total) * 100).toFixed(1).padStart(5)} %  ${k}`)
      .join('\n');
  process.stdout.write(
    `\nby package (self time):\n${top(pkgs, 20)}\n\nby function:\n${top(fns, 40)}\n\n${join(profDir, file)}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  for (const c of children) c.kill('SIGTERM');
  process.exit(1);
});
