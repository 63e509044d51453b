/**
 * `npm run bench:telemetry`: what OpenTelemetry costs the small call (3.3, a playback request:
 * authentication, a signed CC-FS call, a sealed id). The same built gateway three times, one after
 * another on the same simulators: telemetry off, on with sampling 0 (context propagated, nothing
 * recorded), on with sampling 1 (every span recorded and exported to a local OTLP/HTTP sink).
 * Each variant runs BENCH_TELEMETRY_ROUNDS rounds (3) of BENCH_SMALL_SECONDS (10) at 32
 * connections; the medians of CPU per call and throughput are printed.
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { SEED } from '../simulators/seed.js';
import {
  benchToken,
  buildGateway,
  children,
  cpuOf,
  gatewayConfig,
  median,
  startGateway,
  startSimulators,
} from './lib.js';

const SECONDS = Number(process.env.BENCH_SMALL_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_TELEMETRY_ROUNDS ?? 3);

let exported = 0;
const sink = createServer((req, res) => {
  req.on('data', (c: Buffer) => {
    exported += c.length;
  });
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
});
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
const endpoint = `http://127.0.0.1:${(sink.address() as { port: number }).port}/v1/traces`;

buildGateway();
const { simUrl, ccgwUrl } = await startSimulators(1);
const dir = mkdtempSync(join(tmpdir(), 'bench-otel-'));
const token = benchToken(['recordings:read']);
const variants = [
  { name: 'off', telemetry: undefined },
  { name: 'on, sampling 0', telemetry: { endpoint, samplingRatio: 0 } },
  { name: 'on, sampling 1', telemetry: { endpoint, samplingRatio: 1 } },
] as const;

const rows: string[] = [];
try {
  for (const v of variants) {
    const gw = await startGateway(
      gatewayConfig(dir, v.name.replace(/\W+/g, '-'), {
        simUrl,
        ccgwUrl,
        audit: join(dir, 'audit.jsonl'),
        ...(v.telemetry ? { telemetry: v.telemetry } : {}),
      }),
    );
    const opts = {
      url: `${gw.url}/v1/recordings/playback`,
      method: 'POST' as const,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ fileName: SEED.acme.recording }),
    };
    await autocannon({ ...opts, connections: 8, duration: 2 });
    const cpu: number[] = [];
    const rps: number[] = [];
    const before = exported;
    for (let r = 0; r < ROUNDS; r += 1) {
      const c0 = cpuOf(gw);
      const res = await autocannon({ ...opts, connections: 32, duration: SECONDS });
      if (res.non2xx > 0 || res.errors > 0) throw new Error(`${v.name}: ${res.non2xx} non-2xx, ${res.errors} errors`);
      cpu.push(((cpuOf(gw) - c0) * 1e6) / res.requests.total);
      rps.push(res.requests.average);
    }
    rows.push(
      `| ${v.name} | ${Math.round(median(cpu))} [${Math.round(Math.min(...cpu))}–${Math.round(Math.max(...cpu))}] | ${Math.round(median(rps))} | ${Math.round((exported - before) / 1024)} KiB |`,
    );
    gw.child.kill('SIGKILL');
    process.stderr.write(`${v.name} done\n`);
  }
} finally {
  for (const c of children) c.kill('SIGKILL');
  sink.close();
}
process.stdout.write(
  [
    `Small call (3.3 playback request), c=32, ${ROUNDS} rounds of ${SECONDS} s per variant; median [range]`,
    '',
    '| telemetry | gateway CPU µs per call | req/s | OTLP exported |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n'),
);
process.exit(0);
