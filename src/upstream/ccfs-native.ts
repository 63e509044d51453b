/**
 * Contract 3.7: a partner's vendor envelope, already checked and re-serialised by the route,
 * forwarded through http-proxy-middleware with the tenant's auth-v2 signature, and the vendor's
 * answer streamed back as it came (hop-by-hop headers and cookies removed).
 *
 * The proxy never sees the caller's request: it gets a stand-in carrying only the method, URL,
 * headers and body the gateway built, so nothing the caller sent reaches the vendor unless the
 * gateway put it there, and the headers are fixed before the proxy creates its request.
 */
import { Agent as HttpAgent, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { createProxyMiddleware, type RequestHandler } from 'http-proxy-middleware';
import { ClientGoneError, GatewayError } from '../errors/catalogue.js';
import { ccfsStatusError, signedCcfsPost, type CcfsTenant } from './ccfs.js';
import { toUpstreamError, type UpstreamEndpoint } from './transport.js';
import type { CcfsNative, NativeCall } from './ports.js';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-connection']);
/** Vendor cookies are load-balancer stickiness for the gateway's own connection, never the caller's. */
const NEVER_PASSED = new Set(['set-cookie', 'set-guid']);

interface Pending {
  operation: string;
  settle(err?: unknown): void;
  timedOut: boolean;
}

/** The stand-in request the proxy forwards: the gateway's own method, URL, headers and body. */
function standIn(original: IncomingMessage, url: string, headers: Record<string, string>, body: string): IncomingMessage {
  return Object.assign(Readable.from([Buffer.from(body, 'utf8')]), {
    method: 'POST', url, headers, httpVersion: '1.1', httpVersionMajor: 1, httpVersionMinor: 1,
    socket: original.socket, connection: original.socket,
  }) as unknown as IncomingMessage;
}

export function createCcfsNative({ tenants, now, logger }: { tenants: ReadonlyMap<string, CcfsTenant>; now: () => number; logger: Logger }): CcfsNative {
  const pending = new WeakMap<IncomingMessage, Pending>();
  const proxies = new Map<UpstreamEndpoint, { handler: RequestHandler<IncomingMessage, ServerResponse>; agent: HttpAgent }>();

  function passAnswer(proxyRes: IncomingMessage, req: IncomingMessage, res: ServerResponse): void {
    const p = pending.get(req);
    if (!p) {
      proxyRes.destroy();
      return;
    }
    const status = proxyRes.statusCode ?? 502;
    if (status !== 200) {
      // CC-FS answers business errors with 200; any other status is ours to explain (a 401 is
      // our signature) and a load balancer's error page is not passed on.
      proxyRes.resume();
      p.settle(ccfsStatusError(status, p.operation, logger));
      return;
    }
    const named = String(proxyRes.headers.connection ?? '').toLowerCase().split(',').map((s) => s.trim());
    res.statusCode = status;
    for (const [name, value] of Object.entries(proxyRes.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name) || NEVER_PASSED.has(name) || named.includes(name)) continue;
      res.setHeader(name, value);
    }
    pipeline(proxyRes, res).then(() => p.settle(), (err: unknown) => {
      // After the headers an upstream failure must look like one: the client's connection is cut.
      proxyRes.destroy();
      res.destroy();
      // Read by the request logger: a cut answer is logged at error level.
      const { locals } = res as ServerResponse & { locals?: Record<string, unknown> };
      if (locals) locals.streamError = err;
      p.settle();
    });
  }

  function proxyFor(ep: UpstreamEndpoint): RequestHandler<IncomingMessage, ServerResponse> {
    let entry = proxies.get(ep);
    if (entry) return entry.handler;
    const cfg = ep.config;
    const agentOptions = { keepAlive: true, maxSockets: cfg.connections, timeout: cfg.keepAliveTimeoutMs };
    const agent = ep.origin.startsWith('https:')
      ? new HttpsAgent({ ...agentOptions, ...(ep.ca ? { ca: ep.ca } : {}) })
      : new HttpAgent(agentOptions);
    const handler = createProxyMiddleware<IncomingMessage, ServerResponse>({
      target: ep.origin,
      agent,
      changeOrigin: false,
      xfwd: false,
      selfHandleResponse: true,
      proxyTimeout: cfg.headersTimeoutMs,
      ejectPlugins: true,
      plugins: [(proxy) => {
        proxy.on('proxyReq', (proxyReq, req) => {
          proxyReq.once('timeout', () => {
            const p = pending.get(req);
            if (p) p.timedOut = true;
          });
        });
        proxy.on('proxyRes', passAnswer);
        proxy.on('econnreset', () => undefined);
        proxy.on('error', (err, req, res) => {
          const p = pending.get(req);
          if (p?.timedOut) p.settle(new GatewayError('UPSTREAM_TIMEOUT', 'CC-FS did not answer in time', { cause: err }));
          else if (p) p.settle(toUpstreamError(err, 'ccfs'));
          else if ('destroy' in res) res.destroy();
        });
      }],
    });
    entry = { handler, agent };
    proxies.set(ep, entry);
    return handler;
  }

  async function forwardOnce(t: CcfsTenant, call: NativeCall, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { url, headers } = await signedCcfsPost(t, call.operation, call.query, call.body, now());
    const fwd = standIn(req, url, headers, call.body);
    await new Promise<void>((resolve, reject) => {
      let done = false;
      const settle = (err?: unknown) => {
        if (done) return;
        done = true;
        if (err === undefined) resolve();
        else if (res.headersSent) {
          res.destroy();
          resolve();
        } else reject(err);
      };
      pending.set(fwd, { operation: call.operation, settle, timedOut: false });
      // The client left: tear the vendor request down now (http-proxy aborts on 'aborted').
      res.once('close', () => {
        if (res.writableFinished) return;
        fwd.emit('aborted');
        settle(new ClientGoneError());
      });
      void proxyFor(t.endpoint)(fwd, res, (err?: unknown) => settle(err ?? new Error('proxy declined the request')));
    });
  }

  return {
    async forward(call, req, res) {
      const t = tenants.get(call.tenantId);
      if (!t) throw new Error(`no CC-FS credentials for tenant ${call.tenantId}`);
      // Through the tenant's breakers (fail fast while CC-FS is failing), never retried.
      await t.guarded(call.operation, () => forwardOnce(t, call, req, res));
    },
    close() {
      for (const { agent } of proxies.values()) agent.destroy();
      proxies.clear();
    },
  };
}
