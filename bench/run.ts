/**
 * `npm run bench`: the same work done (a) by a client talking to the CC-FS simulator directly
 * (signing its own requests) and (b) through the gateway, interleaved and repeated; medians,
 * ranges and gateway/direct ratios, plus the gateway process's own CPU and peak RSS from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Pool } from 'undici';
import autocannon from 'autocannon';
import { authorization, formatTimestamp } from '../src/upstream/signing/auth-v2.js';
import { mintToken } from '../src/tools/mint.js';
import { SEED } from '../src/simulators/seed.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SIZE_MIB = Number(process.env.BENCH_SIZE_MIB ?? 200);
const SMALL_SECONDS = Number(process.env.BENCH_SMALL_SECONDS ?? 4);
const AK = 'AK-BENCH';
const SK = 'SK-bench-0123456789';
const JWT_SECRET = 'bench-jwt-secret-0123456789abcdefghijklmnop';
const BIG = 'Y:/53/0/20261125/1001/bench.V3';
const CLK_TCK = 100;

function startChild(args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; firstLine: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (firstLine) => {
      child.stdout!.resume();
      rl.on('line', () => undefined);
      resolve({ child, firstLine });
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}`)));
  });
}

const cpuSeconds = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
};
const peakRssMiB = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const resetPeak = (pid: number) => { try { writeFileSync(`/proc/${pid}/clear_refs`, '5'); } catch { /* not permitted: peak since start */ } };

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };

interface Target { name: 'direct' | 'gateway'; pool: Pool; download(): Promise<number>; small: autocannon.Options }

async function drain(pool: Pool, opts: Parameters<Pool['request']>[0]): Promise<number> {
  const res = await pool.request(opts);
  let n = 0;
  for await (const c of res.body) n += (c as Buffer).length;
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
  return n;
}

async function main() {
  const sim = await startChild(['bench/sim-server.ts'], { BENCH_AK: AK, BENCH_SK: SK, BENCH_SIZE_MIB: String(SIZE_MIB) });
  const simUrl = (JSON.parse(sim.firstLine) as { url: string }).url;
  const dir = mkdtempSync(join(tmpdir(), 'bench-gw-'));
  writeFileSync(join(dir, 'gateway.yaml'), [
    'server:', '  host: 127.0.0.1', '  port: 0', '  playbackSecret: ${PB}',
    'logging:', '  level: info',
    'auth:', '  issuers:', '    - issuer: https://bench', '      audience: gw', '      algorithms: [HS256]', '      secret: ${JWT}',
    'upstreams:', '  ccfs:', `    baseUrl: ${simUrl}`, '    connections: 64',
    'tenants:', '  - id: acme', '    vdnIds: [53]', '    ccId: "1"', '    ccfs:', '      ak: ${AK}', '      sk: ${SK}', '',
  ].join('\n'));
  const gw = await startChild(['src/main.ts', '--config', join(dir, 'gateway.yaml')], { PB: 'bench-playback-secret-0123456789abcdef', JWT: JWT_SECRET, AK, SK });
  const gwUrl = (JSON.parse(gw.firstLine) as { url: string }).url;
  const gwPid = gw.child.pid!;
  const token = mintToken({ secret: JWT_SECRET, issuer: 'https://bench', audience: 'gw', tenant: 'acme', scopes: ['recordings:read'], expiresInSec: 7200 });
  const simHost = new URL(simUrl).host;

  const signed = (op: string, msgBody: object) => {
    const body = JSON.stringify({ request: { version: '2.0' }, msgBody });
    const path = `/CCFS/resource/ccfs/${op}`;
    const headers = { host: simHost, 'content-type': 'application/json;charset=UTF-8', 'content-length': String(Buffer.byteLength(body)) };
    return { path, body, headers: { ...headers, authorization: authorization({ ak: AK, timestamp: formatTimestamp(Date.now()), method: 'POST', path, headers, body }, SK) } };
  };
  const directPool = new Pool(simUrl, { connections: 64 });
  const gwPool = new Pool(gwUrl, { connections: 64 });
  const targets: Target[] = [
    {
      name: 'direct', pool: directPool,
      download: () => { const s = signed('downloadRecord', { fileName: BIG }); return drain(directPool, { method: 'POST', ...s }); },
      // autocannon sets Host and Content-Length itself, to the same values that were signed.
      small: (() => { const s = signed('requestPlayVoice', { fileName: SEED.acme.recording }); const { host: _h, 'content-length': _l, ...rest } = s.headers; return { url: simUrl + s.path, method: 'POST' as const, headers: rest, body: s.body }; })(),
    },
    {
      name: 'gateway', pool: gwPool,
      download: () => drain(gwPool, { method: 'GET', path: `/v1/recordings?fileName=${encodeURIComponent(BIG)}`, headers: { authorization: `Bearer ${token}` } }),
      small: { url: `${gwUrl}/v1/recordings/playback`, method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ fileName: SEED.acme.recording }) },
    },
  ];

  const results: Record<string, Record<string, number[]>> = {};
  const put = (metric: string, who: string, v: number) => { ((results[metric] ??= {})[who] ??= []).push(v); };

  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? [...targets].reverse() : targets;
    for (const conc of [1, 16]) {
      for (const t of order) {
        if (t.name === 'gateway' && conc === 16) resetPeak(gwPid);
        const cpu0 = cpuSeconds(gwPid);
        const t0 = process.hrtime.bigint();
        const bytes = (await Promise.all(Array.from({ length: conc }, () => t.download()))).reduce((a, b) => a + b, 0);
        const secs = Number(process.hrtime.bigint() - t0) / 1e9;
        put(`download c=${conc} MiB/s`, t.name, bytes / 1048576 / secs);
        if (t.name === 'gateway') {
          put(`gateway CPU s per GiB (c=${conc})`, 'gateway', (cpuSeconds(gwPid) - cpu0) / (bytes / 2 ** 30));
          if (conc === 16) put('gateway peak RSS MiB (16 x download)', 'gateway', peakRssMiB(gwPid));
        }
        process.stderr.write('.');
      }
    }
    for (const conn of [1, 32]) {
      for (const t of order) {
        const cpu0 = cpuSeconds(gwPid);
        const r = await autocannon({ ...t.small, connections: conn, duration: SMALL_SECONDS });
        const calls = r.requests.total;
        if (r.non2xx > 0 || r.errors > 0) throw new Error(`${t.name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
        put(`small call c=${conn} req/s`, t.name, r.requests.average);
        put(`small call c=${conn} p50 ms`, t.name, r.latency.p50);
        put(`small call c=${conn} p99 ms`, t.name, r.latency.p99);
        if (t.name === 'gateway') put(`gateway CPU µs per small call (c=${conn})`, 'gateway', ((cpuSeconds(gwPid) - cpu0) * 1e6) / calls);
        process.stderr.write('.');
      }
    }
  }
  process.stderr.write('\n');

  const fmt = (xs: number[] | undefined) => xs ? `${median(xs).toFixed(2)} [${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}]` : '';
  const rows = Object.entries(results).map(([metric, by]) => {
    const d = by.direct ? median(by.direct) : undefined;
    const g = by.gateway ? median(by.gateway) : undefined;
    return { metric, direct: fmt(by.direct), gateway: fmt(by.gateway), ratio: d !== undefined && g !== undefined ? (g / d).toFixed(2) : '' };
  });
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  const out = [`cc-file-gateway benchmark: ${ROUNDS} rounds, ${SIZE_MIB} MiB file, ${SMALL_SECONDS} s small-call runs; node ${process.version}; ${cpus().length} x ${cpu}`, '',
    `| metric | direct: median [range] | gateway: median [range] | gateway/direct |`, '|---|---|---|---|',
    ...rows.map((r) => `| ${r.metric} | ${r.direct} | ${r.gateway} | ${r.ratio} |`)].join('\n');
  process.stdout.write(`${out}\n`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/latest.md', `${out}\n`);

  await directPool.close();
  await gwPool.close();
  gw.child.kill('SIGTERM');
  sim.child.kill('SIGTERM');
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
