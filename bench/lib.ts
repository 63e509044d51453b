/**
 * What the benchmark's parts share: child processes (the simulators, the gateways, the
 * references), their CPU and memory from /proc, the gateway's config, and medians.
 */
import { type ChildProcess, execFileSync, type SpawnOptions, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Pool } from 'undici';
import { mintToken } from '../demo/mint.js';
import { wavFromEncoded } from '../simulators/shared/audio.js';
import { RUNTIME_FLAGS } from '../src/ops/runtime-flags.js';

export const AK = 'AK-BENCH';
export const SK = 'SK-bench-0123456789';
export const JWT_SECRET = 'bench-jwt-secret-0123456789abcdefghijklmnop';
export const AGENT_PASSWORD = 'bench-agent-password';
/** The simulators' large file (BENCH_SIZE_MIB), seeded by bench/sim-server.ts. */
export const BIG_FILE = 'Y:/53/0/20261125/1001/bench.V3';
/** BENCH_GATEWAY_NODE_ARGS: extra Node flags for the gateway (`--cpu-prof`, a heap setting to try). */
export const gatewayNodeArgs = () => (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean);
const CLK_TCK = 100;

export const children: ChildProcess[] = [];

/** Spawns `bin`, under `taskset -c <cpus>` when given (cores of its own), and keeps it among the children to stop. */
export function spawnOn(cpus: string | undefined, bin: string, args: string[], opts: SpawnOptions): ChildProcess {
  const child = cpus ? spawn('taskset', ['-c', cpus, bin, ...args], opts) : spawn(bin, args, opts);
  children.push(child);
  return child;
}

/**
 * `args` is everything after `node` (a TypeScript entry needs `--import tsx` in it). Resolves with
 * the child's first stdout line that names its URL (its log may say other things first). With
 * `cpus`, the child runs under `taskset -c <cpus>` (a core of its own).
 */
export function startChild(
  args: string[],
  env: Record<string, string>,
  cpus?: string,
): Promise<{ child: ChildProcess; readyLine: string }> {
  const child = spawnOn(cpus, process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    let ready = false;
    rl.on('line', (line) => {
      if (ready || !/"url"/.test(line)) return;
      ready = true;
      resolve({ child, readyLine: line });
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}`)));
  });
}

export { freePort } from '../test/helpers/redis.js';

/** Both simulators as one child process, with the bench's account, agents and a large file of `sizeMiB`. */
export async function startSimulators(sizeMiB: number, cpus?: string): Promise<{ simUrl: string; ccgwUrl: string }> {
  const sim = await startChild(
    ['--import', 'tsx', 'bench/sim-server.ts'],
    { BENCH_AK: AK, BENCH_SK: SK, BENCH_SIZE_MIB: String(sizeMiB), BENCH_AGENT_PASSWORD: AGENT_PASSWORD },
    cpus,
  );
  const { url, ccgwUrl } = JSON.parse(sim.readyLine) as { url: string; ccgwUrl: string };
  return { simUrl: url, ccgwUrl };
}

/** The gateway runs as production runs it: compiled (npm run build), without the tsx loader. */
export function buildGateway(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
}

/**
 * The 5 MiB WAV every upload sends: A-law samples that vary, as speech does. Their base64 has the
 * '+' and '/' that signing must percent-encode (a constant sample, such as silence, has none, and
 * made the signature look cheaper than it is for real audio).
 */
export function uploadWav(): Buffer {
  const samples = Buffer.alloc(5 * 1024 * 1024 - 44);
  for (let i = 0; i < samples.length; i += 1) samples[i] = Math.imul(i, 2654435761) >>> 24;
  return wavFromEncoded(samples);
}

/** A token of the bench's issuer for tenant acme. */
export const benchToken = (scopes: string[]) =>
  mintToken({
    secret: JWT_SECRET,
    issuer: 'https://bench',
    audience: 'gw',
    tenant: 'acme',
    scopes,
    expiresInSec: 7200,
  });

export const cpuSeconds = (pid: number) => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return 0; // gone
  }
};
/** A process's memory from one read of /proc/<pid>/status, in MiB: resident now, its peak, and the resident set's anonymous and file-backed parts. */
export const memoryOf = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  return { rss: mib('VmRSS'), peak: mib('VmHWM'), anon: mib('RssAnon'), file: mib('RssFile') };
};
const peakRssMiB = (pid: number) => memoryOf(pid).peak;
export const resetPeak = (pid: number) => {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    /* not permitted: peak since start */
  }
};

/** CPU seconds of all of a target's processes; peak RSS of the largest (nginx: its worker). */
export const cpuOf = (t: { pids: () => number[] }) => t.pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0);
export const rssOf = (t: { pids: () => number[] }) => Math.max(0, ...t.pids().map(peakRssMiB));

/** A process and its children (a cluster primary's workers, nginx's). */
export const withChildren = (pid: number) => {
  try {
    return [
      pid,
      ...execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map(Number),
    ];
  } catch {
    return [pid]; // pgrep found none
  }
};

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export interface GatewayVariant {
  simUrl: string;
  ccgwUrl: string;
  audit: string;
  /** The shared store; none: memory. */
  redisUrl?: string;
  workers?: number;
  /** Needed with workers: the primary serves the metrics there. */
  metricsPort?: number;
  /** Workers share the port the primary listens on: it must be known (0 would differ per worker). */
  port?: number;
  /** The CC-Gateway agent (one session per agent: variants that do not share a store need their own). */
  agentId?: number;
  /** Instances with the same prefix are replicas of one gateway (default: the config's name). */
  keyPrefix?: string;
  /** More settings of upstreams.ccfs (the soak's short idle timeout). */
  ccfs?: Record<string, number>;
  /** `downloads.resume.enabled`; default: the gateway's default (on). */
  resume?: boolean;
  /** OpenTelemetry on, exporting to this OTLP/HTTP endpoint, with this sampling ratio. */
  telemetry?: { endpoint: string; samplingRatio: number };
}

/** Writes a gateway config as production would have it (audit to a file, info logs, limits on); returns its path. */
export function gatewayConfig(dir: string, name: string, v: GatewayVariant): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      'server:',
      '  host: 127.0.0.1',
      `  port: ${v.port ?? 0}`,
      '  drainDelayMs: 0',
      '  playbackSecret: ${PB}',
      ...(v.workers ? [`  workers: ${v.workers}`] : []),
      ...(v.redisUrl
        ? [
            'store:',
            '  type: redis',
            `  url: ${v.redisUrl}`,
            `  keyPrefix: "${v.keyPrefix ?? `${name}:`}"`,
            '  sealSecret: ${SEAL}',
          ]
        : []),
      ...(v.metricsPort ? ['metrics:', `  port: ${v.metricsPort}`] : []),
      'logging:',
      '  level: info',
      'audit:',
      `  destination: ${v.audit}`,
      'auth:',
      '  issuers:',
      '    - issuer: https://bench',
      '      audience: gw',
      '      algorithms: [HS256]',
      '      secret: ${JWT}',
      'upstreams:',
      '  ccfs:',
      `    baseUrl: ${v.simUrl}`,
      '    connections: 64',
      ...Object.entries(v.ccfs ?? {}).map(([k, n]) => `    ${k}: ${n}`),
      '  ccgateway:',
      `    baseUrl: ${v.ccgwUrl}`,
      ...(v.resume !== undefined ? ['downloads:', '  resume:', `    enabled: ${v.resume}`] : []),
      ...(v.telemetry
        ? [
            'telemetry:',
            '  otlp:',
            `    endpoint: ${v.telemetry.endpoint}`,
            `  samplingRatio: ${v.telemetry.samplingRatio}`,
          ]
        : []),
      // Limits far above the load: the limiter runs on every call, but refuses none.
      'tenants:',
      '  - id: acme',
      '    vdnIds: [53]',
      '    ccId: "1"',
      '    ccfs:',
      '      ak: ${AK}',
      '      sk: ${SK}',
      '    limits:',
      '      requestsPerSecond: 1000000',
      '      burst: 1000000',
      '      concurrentStreams: 1000',
      '    ccgateway:',
      '      agents:',
      `        - agentId: ${v.agentId ?? 1001}`,
      '          password: ${AGENT_PASSWORD}',
      '          phoneNumber: "60001"',
      '',
    ].join('\n'),
  );
  return file;
}

/** Starts the built gateway (`dist/main.js`) on a config from gatewayConfig. */
export async function startGateway(file: string, nodeArgs: string[] = [], opts: { cpus?: string } = {}) {
  const { child, readyLine } = await startChild(
    // BENCH_NO_RUNTIME_FLAGS=1 starts it without them, to measure what they do.
    [
      ...(process.env.BENCH_NO_RUNTIME_FLAGS === '1' ? [] : RUNTIME_FLAGS),
      ...nodeArgs,
      'dist/main.js',
      '--config',
      file,
    ],
    {
      PB: 'bench-playback-secret-0123456789abcdef',
      SEAL: 'bench-seal-secret-0123456789abcdefghijk',
      JWT: JWT_SECRET,
      AK,
      SK,
      AGENT_PASSWORD,
    },
    opts.cpus,
  );
  const url = (JSON.parse(readyLine) as { url: string }).url;
  const pid = child.pid!;
  return { child, url, pids: () => withChildren(pid) };
}

/**
 * One connection, one request at a time, for `seconds`: each request's latency to the last byte of
 * its answer, in milliseconds with microseconds kept (autocannon's percentiles are whole
 * milliseconds, too coarse for the added latency of a proxy).
 */
export async function sequential(
  opts: { url: string; method?: string; headers?: Record<string, string>; body?: string },
  seconds: number,
): Promise<{ calls: number; rps: number; p50: number; p99: number; failures: number }> {
  const u = new URL(opts.url);
  const pool = new Pool(u.origin, { connections: 1, pipelining: 1 });
  const times: number[] = [];
  let failures = 0;
  const end = performance.now() + seconds * 1000;
  try {
    while (performance.now() < end) {
      const t0 = performance.now();
      const res = await pool.request({
        method: (opts.method ?? 'GET') as 'GET',
        path: u.pathname + u.search,
        headers: opts.headers ?? {},
        body: opts.body ?? null,
      });
      for await (const _ of res.body) {
        // drained
      }
      times.push(performance.now() - t0);
      if (res.statusCode >= 300) failures += 1;
    }
  } finally {
    await pool.close();
  }
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { calls: times.length, rps: times.length / seconds, p50: at(0.5), p99: at(0.99), failures };
}
