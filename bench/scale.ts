/**
 * The scale-out part of `npm run bench` (when redis-server is installed): the small call (3.3)
 * on the memory store against the shared store (what Redis costs a request), one process against
 * `server.workers` (what the coordination costs, and throughput per worker), and 3.8 through three
 * instances against one. On this 2-core machine the load generator, the simulators and Redis
 * share the cores with the gateway: the ratios say what the coordination costs, not how far it
 * scales (set BENCH_WORKERS and BENCH_GATEWAY_CPUS on a bigger host for that).
 */
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { SEED } from '../simulators/seed.js';
import { cpuOf, cpuSeconds, freePort, gatewayConfig, median, sequential, spawnOn, startGateway } from './lib.js';

const SMALL_SECONDS = Number(process.env.BENCH_SMALL_SECONDS ?? 4);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);

async function startRedis(cpus?: string): Promise<{ url: string; pid: number } | undefined> {
  const bin = ['/usr/bin/redis-server', '/usr/sbin/redis-server'].find((p) => existsSync(p));
  if (!bin) return undefined;
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawnOn(cpus, bin, args, { stdio: 'ignore' });
  for (let i = 0; i < 100; i += 1) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `redis://127.0.0.1:${port}`, pid: child.pid! };
}

interface Instance {
  url: string;
  pids: () => number[];
}

export interface ScaleContext {
  simUrl: string;
  ccgwUrl: string;
  dir: string;
  token: string;
  memory: Instance;
  rounds: number;
  /** BENCH_PIN: the gateways' cores, and Redis's (with the load). */
  proxyCpus?: string;
  loadCpus?: string;
}

/** Returns the lines of its own table: one column per variant, ratios to the one-process memory store. */
export async function runScaleOut(ctx: ScaleContext): Promise<string[]> {
  const redis = await startRedis(ctx.loadCpus);
  const pin = ctx.proxyCpus ? { cpus: ctx.proxyCpus } : {};
  if (!redis) return ['redis-server not installed: the scale-out runs were skipped'];
  const results = new Map<string, Map<string, number[]>>();
  const put = (metric: string, who: string, v: number) => {
    const by = results.get(metric) ?? new Map<string, number[]>();
    results.set(metric, by);
    by.set(who, [...(by.get(who) ?? []), v]);
  };
  const base = { simUrl: ctx.simUrl, ccgwUrl: ctx.ccgwUrl, redisUrl: redis.url };
  const audit = (n: string) => join(ctx.dir, `${n}-audit.jsonl`);
  // The three instances share one key prefix: one gateway, three replicas. Pinned, every variant
  // gets the same cores, so that the workers and the replicas are compared on the same budget.
  const replica = (n: number) =>
    startGateway(
      gatewayConfig(ctx.dir, `redis${n}`, {
        ...base,
        audit: audit(`redis${n}`),
        keyPrefix: 'replicas:',
        agentId: 1003,
      }),
      [],
      pin,
    );
  const one = await replica(1);
  const workers = await startGateway(
    gatewayConfig(ctx.dir, 'workers', {
      ...base,
      audit: audit('workers'),
      workers: WORKERS,
      agentId: 1004,
      port: await freePort(),
      metricsPort: await freePort(),
    }),
    [],
    pin,
  );
  const three = [one, await replica(2), await replica(3)];
  // Every worker answers before the runs (the first requests of a worker would measure its start).
  for (let i = 0; i < 20; i += 1) await fetch(`${workers.url}/healthz`);

  const headers = { authorization: `Bearer ${ctx.token}` };
  const playback = (url: string): autocannon.Options => ({
    url: `${url}/v1/recordings/playback`,
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ fileName: SEED.acme.recording }),
  });
  const agentRecording = (url: string): autocannon.Options => ({
    url: `${url}/v1/agent-recordings?recordId=${encodeURIComponent(SEED.acme.recording)}`,
    headers,
  });
  const redisCpu = () => cpuSeconds(redis.pid);

  /** Runs autocannon on each (url, connections) at once; totals, the median p50 and everyone's CPU per call. */
  const measure = async (who: string, label: string, runs: Array<[autocannon.Options, number]>, procs: Instance[]) => {
    const cpu0 = procs.reduce((a, p) => a + cpuOf(p), 0);
    const r0 = redisCpu();
    if (runs.length === 1 && runs[0]![1] === 1) {
      // One at a time, timed to the microsecond (autocannon's percentiles are whole milliseconds).
      const s = await sequential(runs[0]![0] as Parameters<typeof sequential>[0], SMALL_SECONDS);
      if (s.failures > 0) throw new Error(`${who} ${label}: ${s.failures} failures`);
      put(`${label} req/s`, who, s.rps);
      put(`${label} p50 ms`, who, s.p50);
      put(`${label} p99 ms`, who, s.p99);
      put(`${label} gateway CPU µs per call`, who, ((procs.reduce((a, p) => a + cpuOf(p), 0) - cpu0) * 1e6) / s.calls);
      if (who !== 'memory, 1 process') put(`${label} Redis CPU µs per call`, who, ((redisCpu() - r0) * 1e6) / s.calls);
      process.stderr.write('.');
      return s.rps;
    }
    const results = await Promise.all(
      runs.map(([opts, connections]) => autocannon({ ...opts, connections, duration: SMALL_SECONDS })),
    );
    const calls = results.reduce((a, r) => a + r.requests.total, 0);
    for (const r of results)
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`${who} ${label}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    const cpu = procs.reduce((a, p) => a + cpuOf(p), 0) - cpu0;
    put(
      `${label} req/s`,
      who,
      results.reduce((a, r) => a + r.requests.average, 0),
    );
    put(`${label} p50 ms`, who, results.map((r) => r.latency.p50).sort((a, b) => a - b)[results.length >> 1]!);
    put(`${label} p99 ms`, who, Math.max(...results.map((r) => r.latency.p99)));
    put(`${label} gateway CPU µs per call`, who, (cpu * 1e6) / calls);
    if (who !== 'memory, 1 process') put(`${label} Redis CPU µs per call`, who, ((redisCpu() - r0) * 1e6) / calls);
    process.stderr.write('.');
    return results.reduce((a, r) => a + r.requests.average, 0);
  };

  const variants: Array<[string, Instance]> = [
    ['memory, 1 process', ctx.memory],
    ['redis, 1 process', one],
    [`redis, ${WORKERS} workers`, workers],
  ];
  for (let round = 0; round < ctx.rounds; round += 1) {
    const order = round % 2 ? [...variants].reverse() : variants;
    for (const conn of [1, 32])
      for (const [who, inst] of order) {
        const rps = await measure(who, `3.3 c=${conn}`, [[playback(inst.url), conn]], [inst]);
        if (who.includes('workers') && conn === 32) put('3.3 c=32 req/s per worker', who, rps / WORKERS);
        if (who.startsWith('redis, 1') && conn === 32) put('3.3 c=32 req/s per worker', who, rps);
      }
    // The same 32 connections per worker as the one process has: what coordinating costs, apart
    // from each worker seeing fewer connections (less batching per wake-up).
    await measure(
      `redis, ${WORKERS} workers`,
      '3.3 c=32 per worker',
      [[playback(workers.url), 32 * WORKERS]],
      [workers],
    );
    await measure('redis, 1 process', '3.3 c=32 per worker', [[playback(one.url), 32]], [one]);
    await measure('redis, 1 process', '3.8 c=33', [[agentRecording(one.url), 33]], [one]);
    await measure(
      'redis, 3 instances',
      '3.8 c=33',
      three.map((g) => [agentRecording(g.url), 11] as [autocannon.Options, number]),
      three,
    );
  }
  for (const g of [...three, workers]) g.child.kill('SIGTERM');

  const who = ['memory, 1 process', 'redis, 1 process', `redis, ${WORKERS} workers`, 'redis, 3 instances'];
  const fmt = (xs: number[] | undefined) =>
    xs ? `${median(xs).toFixed(2)} [${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}]` : '';
  const ratio = (by: Map<string, number[]>, a: string, b: string) =>
    by.get(a) && by.get(b) ? (median(by.get(a)!) / median(by.get(b)!)).toFixed(2) : '';
  return [
    `| scale-out metric | ${who.join(' | ')} | redis/memory | workers/1 process | 3 instances/1 |`,
    `|---|${who.map(() => '---|').join('')}---|---|---|`,
    ...[...results].map(
      ([metric, by]) =>
        `| ${metric} | ${who.map((w) => fmt(by.get(w))).join(' | ')} | ${ratio(by, 'redis, 1 process', 'memory, 1 process')} | ` +
        `${ratio(by, `redis, ${WORKERS} workers`, 'redis, 1 process')} | ${ratio(by, 'redis, 3 instances', 'redis, 1 process')} |`,
    ),
  ];
}
