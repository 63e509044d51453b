/**
 * Readiness of the vendor endpoints: a TCP connect to each, cached briefly so that a busy probe
 * does not become load on the vendor. Unauthenticated HTTP calls would fill the vendor's logs.
 */
import { connect } from 'node:net';
import type { Probe } from '../ops/readiness.js';
import type { UpstreamEndpoint } from './transport.js';

function reachable(origin: string, timeoutMs: number): Promise<string | undefined> {
  const url = new URL(origin);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port, timeout: timeoutMs });
    const done = (err?: string) => {
      socket.destroy();
      resolve(err);
    };
    socket.once('connect', () => done());
    socket.once('timeout', () => done('connect timed out'));
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? 'connect failed'));
  });
}

/** One status per distinct vendor origin; the connects are shared by every probe within `cacheMs`. */
export function createEndpointProbe(
  endpoints: () => UpstreamEndpoint[],
  opts: { now: () => number; cacheMs?: number },
): () => Promise<Probe[]> {
  const cacheMs = opts.cacheMs ?? 2000;
  let cached: { at: number; value: Promise<Probe[]> } | undefined;
  const connectChecks = () => {
    const seen = new Set<string>();
    return Promise.all(
      endpoints()
        .filter((ep) => !seen.has(ep.origin) && seen.add(ep.origin))
        .map(async (ep): Promise<Probe> => {
          const err = await reachable(ep.origin, Math.min(ep.config.connectTimeoutMs, 2000));
          return { name: `${ep.service}:${ep.label}`, ok: err === undefined, ...(err ? { detail: err } : {}) };
        }),
    );
  };
  return () => {
    const now = opts.now();
    if (!cached || now - cached.at > cacheMs) cached = { at: now, value: connectChecks() };
    return cached.value;
  };
}
