/**
 * `npm run bench`: the same work done (a) by a client talking to the simulators directly (signing
 * its own CC-FS requests, holding its own agent session) and (b) through the gateway, interleaved
 * and repeated; medians, ranges and gateway/direct ratios, plus the gateway process's own CPU and
 * peak RSS from /proc. Work: a large download, a small JSON call (3.3 and its native form 3.7),
 * a small recording through the CC-Gateway (3.8) and 5 MiB uploads (3.6).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { SEED } from '../simulators/seed.js';
import { authorization, formatTimestamp } from '../src/upstream/signing/auth-v2.js';
import {
  AGENT_PASSWORD,
  AK,
  BIG_FILE,
  benchToken,
  buildGateway,
  children,
  cpuOf,
  freePort,
  gatewayConfig,
  gatewayNodeArgs,
  median,
  resetPeak,
  rssOf,
  SK,
  sequential,
  spawnOn,
  startChild,
  startGateway,
  startSimulators,
  uploadWav,
} from './lib.js';
import { runScaleOut } from './scale.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SIZE_MIB = Number(process.env.BENCH_SIZE_MIB ?? 200);
const SMALL_SECONDS = Number(process.env.BENCH_SMALL_SECONDS ?? 4);
const UPLOADS = Number(process.env.BENCH_UPLOADS ?? 8);
/**
 * Before the rounds, every target makes each small call one at a time for this long (after two
 * seconds timed as "cold"): the gateway's code is a few MiB of JavaScript that V8 takes some
 * 15,000 calls to compile fully at one connection, and the rounds measure the steady state.
 */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 8);
const COLD_SECONDS = 2;
/**
 * BENCH_PIN=1: each proxy (the gateway, the bare Node proxy, nginx) on a core of its own
 * (BENCH_PROXY_CPUS, default 1), the simulators and the load generator on the rest
 * (BENCH_LOAD_CPUS, default 0), so that a proxy's cost is not mixed with theirs.
 */
const PIN = process.env.BENCH_PIN === '1';
const PROXY_CPUS = PIN ? (process.env.BENCH_PROXY_CPUS ?? '1') : undefined;
const LOAD_CPUS = PIN ? (process.env.BENCH_LOAD_CPUS ?? '0') : undefined;

/** nginx as a plain reverse proxy in front of CC-FS, when it is on the PATH (Debian nginx-light). */
async function startNginx(upstream: string, dir: string): Promise<{ url: string; pids: () => number[] } | undefined> {
  const bin = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
  if (!bin) return undefined;
  const port = await freePort();
  const host = new URL(upstream).host;
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
daemon off;
error_log stderr warn;
pid ${join(dir, 'nginx.pid')};
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  upstream ccfs { server ${host}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 0;
    proxy_request_buffering off;
    proxy_buffering off;
    location / {
      proxy_pass http://ccfs;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host ${host};
    }
  }
}
`,
  );
  const args = ['-c', conf, '-p', dir];
  const master = spawnOn(PROXY_CPUS, bin, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i += 1) {
    const up = await fetch(`${url}/`).then(
      () => true,
      () => false,
    );
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const workers = () =>
    execFileSync('pgrep', ['-P', String(master.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  return { url, pids: () => [master.pid!, ...workers()] };
}

interface Target {
  name: 'direct' | 'node proxy' | 'nginx' | 'gateway';
  pool: Pool;
  /** The processes whose CPU and memory are the target's (none for direct). */
  pids: () => number[];
  download(): Promise<number>;
  upload(): Promise<number>;
  /** Short calls measured with autocannon, by name. */
  /** Made when the run starts: a signed call is only valid for the vendor's five minutes. */
  small: Record<string, () => autocannon.Options>;
}

async function drain(pool: Pool, opts: Parameters<Pool['request']>[0], expect = 200): Promise<number> {
  const res = await pool.request(opts);
  let n = 0;
  for await (const c of res.body) n += (c as Buffer).length;
  if (res.statusCode !== expect) throw new Error(`status ${res.statusCode}`);
  return n;
}

async function main() {
  if (LOAD_CPUS) execFileSync('taskset', ['-p', '-c', LOAD_CPUS, String(process.pid)], { stdio: 'ignore' });
  const { simUrl, ccgwUrl } = await startSimulators(SIZE_MIB, LOAD_CPUS);
  const dir = mkdtempSync(join(tmpdir(), 'bench-gw-'));
  buildGateway();
  const gw = await startGateway(
    gatewayConfig(dir, 'gateway', { simUrl, ccgwUrl, audit: join(dir, 'audit.jsonl') }),
    gatewayNodeArgs(),
    PROXY_CPUS ? { cpus: PROXY_CPUS } : {},
  );
  const gwUrl = gw.url;
  // The references: a bare Node proxy, and nginx when it is installed (Debian nginx-light).
  const nodeProxy = await startChild(['--import', 'tsx', 'bench/node-proxy.ts'], { UPSTREAM: simUrl }, PROXY_CPUS);
  const nodeProxyUrl = (JSON.parse(nodeProxy.readyLine) as { url: string }).url;
  const nginx = await startNginx(simUrl, dir);
  const token = benchToken(['recordings:read', 'ivr-files:write', 'ccfs:native', 'agent-recordings:read']);
  const simHost = new URL(simUrl).host;

  const signed = (op: string, msgBody: object, query?: Record<string, string>) => {
    const body = JSON.stringify({ request: { version: '2.0' }, msgBody });
    const path = `/CCFS/resource/ccfs/${op}`;
    const headers = {
      host: simHost,
      'content-type': 'application/json;charset=UTF-8',
      'content-length': String(Buffer.byteLength(body)),
    };
    const auth = authorization(
      {
        ak: AK,
        timestamp: formatTimestamp(Date.now()),
        method: 'POST',
        path,
        ...(query ? { query } : {}),
        headers,
        body,
      },
      SK,
    );
    return {
      path: query ? `${path}?${new URLSearchParams(query).toString()}` : path,
      body,
      headers: { ...headers, authorization: auth },
    };
  };
  // The direct client's own agent session: what the gateway does for its callers.
  const signIn = await fetch(`${ccgwUrl}/agentgateway/resource/onlineagent/1002`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ password: AGENT_PASSWORD, phonenum: '60002' }),
  });
  const directGuid = signIn.headers.get('set-guid')!.replace(/^JSESSIONID=/, '');
  const directCookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
  const wav = uploadWav();
  const playBody = { fileName: SEED.acme.recording };
  const native = JSON.stringify({ request: { version: '2.0' }, msgBody: playBody });
  const directPool = new Pool(simUrl, { connections: 64 });
  const gwPool = new Pool(gwUrl, { connections: 64 });
  // autocannon sets Host and Content-Length itself, to the same values that were signed.
  const directSmall = () => {
    const s = signed('requestPlayVoice', playBody);
    const { host: _h, 'content-length': _l, ...rest } = s.headers;
    return { url: simUrl + s.path, method: 'POST' as const, headers: rest, body: s.body };
  };
  const gwHeaders = { authorization: `Bearer ${token}` };
  /** The direct client's own calls, sent to another base URL: a plain proxy in front of CC-FS. */
  const viaProxy = (name: 'node proxy' | 'nginx', url: string, pids: () => number[]): Target => {
    const pool = new Pool(url, { connections: 64 });

    return {
      name,
      pool,
      pids,
      download: () => drain(pool, { method: 'POST', ...signed('downloadRecord', { fileName: BIG_FILE }) }),
      upload: () =>
        drain(pool, {
          method: 'POST',
          ...signed('ivr/uploadFile', { data: wav.toString('base64') }, { vdnId: '53' }),
        }).then(() => wav.length),
      small: {
        'playback request (3.3)': () => {
          const small = directSmall();
          return { ...small, url: url + small.url.slice(simUrl.length) };
        },
      },
    };
  };
  const targets: Target[] = [
    {
      name: 'direct',
      pool: directPool,
      pids: () => [],
      download: () => {
        const s = signed('downloadRecord', { fileName: BIG_FILE });
        return drain(directPool, { method: 'POST', ...s });
      },
      // The direct client encodes the file itself, as a partner without the gateway would.
      upload: () => {
        const s = signed('ivr/uploadFile', { data: wav.toString('base64') }, { vdnId: '53' });
        return drain(directPool, { method: 'POST', ...s }).then(() => wav.length);
      },
      small: {
        'playback request (3.3)': directSmall,
        'agent recording, 3 s WAV (3.8)': () => ({
          url: `${ccgwUrl}/agentgateway/resource/recordfile/1002?recordId=${encodeURIComponent(SEED.acme.recording)}`,
          headers: { guid: directGuid, cookie: directCookie },
        }),
      },
    },
    viaProxy('node proxy', nodeProxyUrl, () => [nodeProxy.child.pid!]),
    ...(nginx ? [viaProxy('nginx', nginx.url, nginx.pids)] : []),
    {
      name: 'gateway',
      pool: gwPool,
      pids: gw.pids,
      download: () =>
        drain(gwPool, {
          method: 'GET',
          path: `/v1/recordings?fileName=${encodeURIComponent(BIG_FILE)}`,
          headers: gwHeaders,
        }),
      upload: () =>
        drain(
          gwPool,
          { method: 'POST', path: '/v1/ivr-files', headers: { ...gwHeaders, 'content-type': 'audio/wav' }, body: wav },
          201,
        ).then(() => wav.length),
      small: {
        'playback request (3.3)': () => ({
          url: `${gwUrl}/v1/recordings/playback`,
          method: 'POST',
          headers: { ...gwHeaders, 'content-type': 'application/json' },
          body: JSON.stringify(playBody),
        }),
        'native playback request (3.7)': () => ({
          url: `${gwUrl}/v1/ccfs/requestPlayVoice`,
          method: 'POST',
          headers: { ...gwHeaders, 'content-type': 'application/json' },
          body: native,
        }),
        'agent recording, 3 s WAV (3.8)': () => ({
          url: `${gwUrl}/v1/agent-recordings?recordId=${encodeURIComponent(SEED.acme.recording)}`,
          headers: gwHeaders,
        }),
      },
    },
  ];

  const results: Record<string, Record<string, number[]>> = {};
  const put = (metric: string, who: string, v: number) => {
    const byWho = results[metric] ?? {};
    results[metric] = byWho;
    byWho[who] = [...(byWho[who] ?? []), v];
  };

  // BENCH_PARTS=scale runs only the scale-out table (the references and the main table need minutes).
  // `main` is downloads, uploads and small calls; each can be asked for alone.
  const parts = process.env.BENCH_PARTS ?? 'main,scale';
  const part = (name: string) => parts.includes('main') || parts.includes(name);
  const mainRounds = ['main', 'downloads', 'uploads', 'small'].some((n) => parts.includes(n)) ? ROUNDS : 0;
  const smallOf = (t: (typeof targets)[number], name: string) =>
    // The native form (3.7) is compared with the same direct call as 3.3: it is the same vendor call.
    t.small[name] ?? t.small[name.replace('native playback request (3.7)', 'playback request (3.3)')];
  const smallNames =
    part('small') && mainRounds > 0 ? Object.keys(targets.find((t) => t.name === 'gateway')!.small) : [];
  for (const name of WARMUP_SECONDS > 0 ? smallNames : []) {
    for (const t of targets) {
      const make = smallOf(t, name);
      if (!make) continue;
      const cold = await sequential(make() as Parameters<typeof sequential>[0], COLD_SECONDS);
      put(`${name}, cold (first ${COLD_SECONDS} s) c=1 p50 ms`, t.name, cold.p50);
      put(`${name}, cold (first ${COLD_SECONDS} s) c=1 p99 ms`, t.name, cold.p99);
      await sequential(make() as Parameters<typeof sequential>[0], Math.max(0, WARMUP_SECONDS - COLD_SECONDS));
      process.stderr.write('w');
    }
  }
  for (let round = 0; round < mainRounds; round++) {
    const order = round % 2 ? [...targets].reverse() : targets;
    for (const conc of part('downloads') ? [1, 16] : []) {
      for (const t of order) {
        if (conc === 16) for (const pid of t.pids()) resetPeak(pid);
        const cpu0 = cpuOf(t);
        const t0 = process.hrtime.bigint();
        const bytes = (await Promise.all(Array.from({ length: conc }, () => t.download()))).reduce((a, b) => a + b, 0);
        const secs = Number(process.hrtime.bigint() - t0) / 1e9;
        put(`download c=${conc} MiB/s`, t.name, bytes / 1048576 / secs);
        if (t.name !== 'direct') {
          put(`CPU s per GiB (c=${conc})`, t.name, (cpuOf(t) - cpu0) / (bytes / 2 ** 30));
          if (conc === 16) put('peak RSS MiB (16 x download)', t.name, rssOf(t));
        }
        process.stderr.write('.');
      }
    }
    for (const conc of part('uploads') ? [1, 4] : []) {
      for (const t of order) {
        if (conc === 4) for (const pid of t.pids()) resetPeak(pid);
        const cpu0 = cpuOf(t);
        const t0 = process.hrtime.bigint();
        let _bytes = 0;
        await Promise.all(
          Array.from({ length: conc }, async () => {
            for (let i = 0; i < UPLOADS / conc; i++) _bytes += await t.upload();
          }),
        );
        const secs = Number(process.hrtime.bigint() - t0) / 1e9;
        put(`upload 5 MiB c=${conc} uploads/s`, t.name, UPLOADS / secs);
        if (t.name !== 'direct') {
          put(`CPU ms per 5 MiB upload (c=${conc})`, t.name, ((cpuOf(t) - cpu0) * 1000) / UPLOADS);
          if (conc === 4) put('peak RSS MiB (4 x upload)', t.name, rssOf(t));
        }
        process.stderr.write('.');
      }
    }
    for (const name of smallNames) {
      for (const conn of [1, 32]) {
        for (const t of order) {
          const make = smallOf(t, name);
          if (!make) continue;
          const opts = make();
          // Steady state, for every target alike: a second of the same calls first, untimed.
          if (conn === 1) await sequential(opts as Parameters<typeof sequential>[0], 1);
          const cpu0 = cpuOf(t);
          let calls: number;
          if (conn === 1) {
            // One at a time, timed to the microsecond: the latency a proxy adds is a fraction of a millisecond.
            const r = await sequential(opts as Parameters<typeof sequential>[0], SMALL_SECONDS);
            if (r.failures > 0) throw new Error(`${t.name} ${name}: ${r.failures} failures`);
            calls = r.calls;
            put(`${name} c=1 req/s`, t.name, r.rps);
            put(`${name} c=1 p50 ms`, t.name, r.p50);
            put(`${name} c=1 p99 ms`, t.name, r.p99);
          } else {
            const r = await autocannon({ ...opts, connections: conn, duration: SMALL_SECONDS });
            calls = r.requests.total;
            if (r.non2xx > 0 || r.errors > 0)
              throw new Error(`${t.name} ${name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
            put(`${name} c=${conn} req/s`, t.name, r.requests.average);
            put(`${name} c=${conn} p50 ms`, t.name, r.latency.p50);
            put(`${name} c=${conn} p99 ms`, t.name, r.latency.p99);
          }
          if (t.name !== 'direct')
            put(`CPU µs per call: ${name} (c=${conn})`, t.name, ((cpuOf(t) - cpu0) * 1e6) / calls);
          process.stderr.write('.');
        }
      }
    }
  }
  process.stderr.write('\n');

  const fmt = (xs: number[] | undefined) =>
    xs ? `${median(xs).toFixed(2)} [${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}]` : '';
  const who = targets.map((t) => t.name);
  const refs = who.filter((w) => w !== 'gateway');
  // The latency each proxy adds to a direct call, one request at a time: its median minus direct's.
  for (const [metric, by] of Object.entries({ ...results })) {
    if (!/ c=1 p(50|99) ms$/.test(metric) || !by.direct) continue;
    const d = median(by.direct);
    results[`${metric.replace(' ms', '')} added ms`] = Object.fromEntries(
      Object.entries(by)
        .filter(([w]) => w !== 'direct')
        .map(([w, xs]) => [w, [median(xs) - d]]),
    );
  }
  const rows = Object.entries(results).map(([metric, by]) => {
    const g = by.gateway ? median(by.gateway) : undefined;
    const ratio = (ref: string) => (g !== undefined && by[ref] ? (g / median(by[ref]!)).toFixed(2) : '');
    return `| ${metric} | ${who.map((w) => fmt(by[w])).join(' | ')} | ${refs.map(ratio).join(' | ')} |`;
  });
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  const out = [
    `cc-file-gateway benchmark: ${ROUNDS} rounds, ${SIZE_MIB} MiB file, ${UPLOADS} uploads of 5 MiB, ` +
      `${SMALL_SECONDS} s small-call runs; node ${process.version}; ${cpus().length} x ${cpu}` +
      `${PIN ? `; proxies pinned to CPU ${PROXY_CPUS}, load and simulators to ${LOAD_CPUS}` : '; unpinned'}` +
      `${nginx ? '' : '; nginx not installed'}`,
    '',
    `| metric | ${who.map((w) => `${w}: median [range]`).join(' | ')} | ${refs.map((r) => `gateway/${r}`).join(' | ')} |`,
    `|---|${who.map(() => '---|').join('')}${refs.map(() => '---|').join('')}`,
    ...rows,
  ].join('\n');
  process.stdout.write(`${out}\n`);
  const scale = parts.includes('scale')
    ? (
        await runScaleOut({
          simUrl,
          ccgwUrl,
          dir,
          token,
          memory: { url: gwUrl, pids: gw.pids },
          rounds: ROUNDS,
          ...(PIN ? { proxyCpus: PROXY_CPUS, loadCpus: LOAD_CPUS } : {}),
        })
      ).join('\n')
    : '';
  process.stdout.write(`\n${scale}\n`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/latest.md', `${out}\n\n${scale}\n`);

  for (const t of targets) await t.pool.close();
  const gwExited = new Promise((resolve) => gw.child.once('exit', resolve));
  gw.child.kill('SIGTERM');
  await gwExited;
  for (const c of children) if (c !== gw.child) c.kill('SIGTERM');
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  // SIGTERM, not SIGKILL: nginx's master then stops its worker too.
  for (const c of children) c.kill('SIGTERM');
  process.exit(1);
});
