/**
 * The benchmark's floor for a Node proxy: node:http in, undici out, no auth, no checks. It sets
 * Host to the upstream's (as nginx's proxy_set_header does), so a signed request still verifies.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'undici';

const upstream = new URL(process.env.UPSTREAM!);
const pool = new Pool(upstream.origin, { connections: 64 });
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-connection']);

const server = createServer(async (req, res) => {
  try {
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !HOP.has(k)));
    const answer = await pool.request({
      method: req.method as 'GET',
      path: req.url!,
      headers: { ...headers, host: upstream.host },
      body: req.method === 'GET' || req.method === 'HEAD' ? null : req,
    });
    const out = Object.fromEntries(Object.entries(answer.headers).filter(([k]) => !HOP.has(k)));
    res.writeHead(answer.statusCode, out as Record<string, string>);
    await pipeline(answer.body, res);
  } catch {
    res.destroy();
  }
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
