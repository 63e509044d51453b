/**
 * `npm run bench:soak`: the issue-21 soak. 10,000 downloads (SOAK_TOTAL) through the built gateway,
 * 16 at a time (SOAK_CONCURRENCY), from a CC-FS simulator in this process; before about one
 * download in four a fault is queued for that download alone (its own `ccId`), single-shot: a
 * reset or a stall at a random offset of the body, or a 502/503 page. Every answer is classified:
 * intact (the whole file, the same bytes), visible (an error status, or a transfer the client can
 * tell is incomplete), silent (a clean end with other bytes: the failure that must never happen)
 * or hung (no end within SOAK_HANG_MS). Run with resuming off and on, one after the other, with the
 * gateway's CPU per GiB delivered and its resume counters.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CcfsSimulator } from '../simulators/ccfs/server.js';
import { seedCcfs } from '../simulators/seed.js';
import { type DownloadResult, download } from '../test/helpers/download.js';
import { seededRandom } from '../test/helpers/random.js';
import { AK, benchToken, buildGateway, children, cpuOf, gatewayConfig, SK, startGateway } from './lib.js';

const TOTAL = Number(process.env.SOAK_TOTAL ?? 10_000);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 16);
const HANG_MS = Number(process.env.SOAK_HANG_MS ?? 60_000);
const SEED = Number(process.env.SOAK_SEED ?? 21);
const MODES = (process.env.SOAK_MODES ?? 'off,on').split(',') as Array<'off' | 'on'>;

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function main() {
  const random = seededRandom(SEED);
  const sim = new CcfsSimulator({
    root: mkdtempSync(join(tmpdir(), 'soak-ccfs-')),
    accounts: [{ ak: AK, sk: SK, vdnIds: [53] }],
    random,
  });
  const simUrl = await sim.listen(0, '127.0.0.1');
  await seedCcfs(sim);
  // Recordings of 64 KiB to 2 MiB (a 2 MiB A-law file is about 2 minutes of a call).
  const files = [64, 200, 512, 1024, 1536, 2048].map((kib, i) => {
    const bytes = randomBytes(kib * 1024);
    bytes.write('RIFF\0\0\0\0WAVE', 0, 'latin1');
    return { path: `Y:/53/0/20261125/1001/soak-${i}.V3`, bytes, sha: sha(bytes) };
  });
  for (const f of files) await sim.store.put(f.path, f.bytes);
  // The simulator keeps every request it saw; a soak does not need them.
  setInterval(() => {
    sim.requests.length = 0;
  }, 1000).unref();
  if (process.env.BENCH_NO_BUILD !== '1') buildGateway();
  const token = benchToken(['recordings:read', 'ops:read']);

  process.stdout.write(
    `soak: ${TOTAL} downloads, ${CONCURRENCY} at a time, a single-shot fault before about 1 in 4 (seed ${SEED})\n`,
  );
  for (const mode of MODES) {
    const dir = mkdtempSync(join(tmpdir(), 'soak-gw-'));
    const gw = await startGateway(
      gatewayConfig(dir, `soak-${mode}`, {
        simUrl,
        ccgwUrl: 'http://127.0.0.1:9',
        audit: join(dir, 'audit.jsonl'),
        ccfs: { idleTimeoutMs: 500, retries: 2 },
        resume: mode === 'on',
      }),
    );
    const counts = { intact: 0, visible: 0, silent: 0, hung: 0 };
    const faults = { reset: 0, stall: 0, status: 0 };
    let next = 0;
    let bytes = 0;
    const cpu0 = cpuOf(gw);
    const t0 = performance.now();
    const one = async (i: number) => {
      const f = files[i % files.length]!;
      const ccId = String(1_000_000 + i);
      const draw = random();
      if (draw < 0.25) {
        const kind = draw < 0.0833 ? 'reset' : draw < 0.1667 ? 'stall' : 'status';
        faults[kind] += 1;
        const at = Math.floor(random() * f.bytes.length);
        sim.injectFault({
          operation: 'downloadRecord',
          bodyIncludes: `"ccId":"${ccId}"`,
          times: 1,
          ...(kind === 'reset'
            ? { resetAfterBytes: at }
            : kind === 'stall'
              ? { stallAfterBytes: at }
              : { status: random() < 0.5 ? 502 : 503 }),
        });
      }
      const url = `${gw.url}/v1/recordings?fileName=${encodeURIComponent(f.path)}&ccId=${ccId}`;
      let timer: NodeJS.Timeout | undefined;
      const hung = new Promise<'hung'>((resolve) => {
        timer = setTimeout(() => resolve('hung'), HANG_MS);
      });
      const r: DownloadResult | 'hung' = await Promise.race([
        download(url, { authorization: `Bearer ${token}` }),
        hung,
      ]);
      clearTimeout(timer);
      if (r === 'hung') counts.hung += 1;
      else if (r.status !== 200 || r.error) counts.visible += 1;
      else if (r.bytes === f.bytes.length && r.sha256 === f.sha) counts.intact += 1;
      else counts.silent += 1;
      if (r !== 'hung') bytes += r.bytes;
    };
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < TOTAL) await one(next++);
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuOf(gw) - cpu0;
    const alive = await fetch(`${gw.url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    const metrics = await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    const sum = (name: string, label = '') =>
      [...metrics.matchAll(new RegExp(`^cc_file_gateway_${name}\\{[^}]*${label}[^}]*\\} (\\d+)`, 'gm'))].reduce(
        (n, m) => n + Number(m[1]),
        0,
      );
    const gib = bytes / 1024 ** 3;
    process.stdout.write(
      `resume ${mode.padEnd(3)}: intact ${counts.intact}, visible ${counts.visible}, silent ${counts.silent}, hung ${counts.hung}` +
        ` | faults: ${faults.reset} resets, ${faults.stall} stalls, ${faults.status} 5xx` +
        ` | resumes: ${sum('download_resume_attempts_total')} attempts, ${sum('download_resumes_total', 'outcome="resumed"')} resumed,` +
        ` ${sum('download_resumes_total', 'outcome="mismatch"')} mismatched, ${sum('download_resumes_total', 'outcome="failed"')} failed` +
        ` | ${gib.toFixed(2)} GiB in ${seconds.toFixed(1)} s, gateway ${(cpu / gib).toFixed(2)} CPU s per GiB, alive: ${alive}\n`,
    );
    gw.child.kill('SIGTERM');
    await new Promise((r) => gw.child.once('exit', r));
  }
  await sim.close();
}

main()
  .catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const c of children) c.kill();
  });
