/**
 * Peak resident memory of the gateway under concurrent 5 MiB uploads, route 3.6 (a raw WAV body)
 * against the native upload of 3.7 (the same WAV as base64 in the vendor's JSON envelope). Each
 * route gets a fresh gateway so that neither inherits the other's heap. `npm run bench:uploads`;
 * BENCH_UPLOADS sets how many run at once (default 50).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import {
  benchToken,
  buildGateway,
  children,
  gatewayConfig,
  gatewayNodeArgs,
  memoryOf,
  startGateway,
  startSimulators,
  uploadWav,
} from './lib.js';

const UPLOADS = Number(process.env.BENCH_UPLOADS ?? 50);

interface Route {
  name: string;
  path: string;
  contentType: string;
  scope: string;
  status: number;
  body: Buffer;
}

async function measure(simUrl: string, ccgwUrl: string, route: Route) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-upload-'));
  const gw = await startGateway(
    // One tenant may use the whole pool here: the fair share would queue (and refuse) a third of the uploads.
    gatewayConfig(dir, 'gateway', { simUrl, ccgwUrl, audit: join(dir, 'audit.jsonl'), ccfs: { maxTenantShare: 1 } }),
    gatewayNodeArgs(),
  );
  const pid = gw.child.pid!;
  const idle = memoryOf(pid).rss;
  let peak = idle;
  const sampler = setInterval(() => {
    peak = Math.max(peak, memoryOf(pid).rss);
  }, 25);
  const pool = new Pool(gw.url, { connections: UPLOADS });
  const headers = { authorization: `Bearer ${benchToken([route.scope])}`, 'content-type': route.contentType };
  const t0 = performance.now();
  const statuses = await Promise.all(
    Array.from({ length: UPLOADS }, async () => {
      const res = await pool.request({ method: 'POST', path: route.path, headers, body: route.body });
      const text = await res.body.text();
      return res.statusCode === route.status ? res.statusCode : `${res.statusCode} ${text.slice(0, 200)}`;
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, memoryOf(pid).rss);
  await pool.close();
  gw.child.kill('SIGTERM');
  const wrong = statuses.filter((s) => s !== route.status);
  if (wrong.length > 0)
    throw new Error(`${route.name}: ${wrong.length} of ${UPLOADS} uploads did not answer ${route.status}: ${wrong[0]}`);
  return { idle, peak, secs };
}

async function main() {
  const { simUrl, ccgwUrl } = await startSimulators(1);
  if (process.env.BENCH_NO_BUILD !== '1') buildGateway();
  const wav = uploadWav();
  const native = Buffer.from(
    JSON.stringify({ request: { version: '2.0' }, msgBody: { data: wav.toString('base64') } }),
  );
  const routes: Route[] = [
    {
      name: '3.6 raw WAV',
      path: '/v1/ivr-files',
      contentType: 'audio/wav',
      scope: 'ivr-files:write',
      status: 201,
      body: wav,
    },
    {
      name: '3.7 native envelope',
      path: '/v1/ccfs/ivr/uploadFile?vdnId=53',
      contentType: 'application/json',
      scope: 'ccfs:native',
      status: 200,
      body: native,
    },
  ];
  const rows = [];
  for (const route of routes) rows.push({ route, ...(await measure(simUrl, ccgwUrl, route)) });
  const out = [`${UPLOADS} concurrent uploads of 5 MiB, a fresh gateway for each route; RSS in MiB`];
  for (const r of rows)
    out.push(
      `${r.route.name.padEnd(22)} idle ${r.idle.toFixed(0)}, peak ${r.peak.toFixed(0)} (+${(r.peak - r.idle).toFixed(0)}), ${(UPLOADS / r.secs).toFixed(1)} uploads/s`,
    );
  out.push(`native peak - 3.6 peak: ${(rows[1]!.peak - rows[0]!.peak).toFixed(0)} MiB`);
  process.stdout.write(`${out.join('\n')}\n`);
  for (const c of children) c.kill('SIGTERM');
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  for (const c of children) c.kill('SIGTERM');
  process.exit(1);
});
