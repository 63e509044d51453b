/**
 * The one outbound HTTP stack: an undici pool per distinct vendor endpoint, built here and only
 * here from the endpoint's resolved settings (pool size, keep-alive, per-phase timeouts, TLS
 * trust), with its circuit breaker; and the one place where socket and undici errors become
 * gateway errors (with their cause kept). Every vendor call, the pass-through included, uses it.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { type Dispatcher, Pool } from 'undici';
import { endpointKey } from '../config/resolve.js';
import type { ResolvedUpstream } from '../config/schema.js';
import { ClientGoneError, GatewayError, SERVICE_NAMES, type UpstreamService } from '../errors/catalogue.js';
import { isTlsFailure } from '../errors/tls-failure.js';
import type { Metrics } from '../ops/metrics.js';
import { createGuard, type Guard, isVendorFailure } from './guard.js';
import { createSlots, type Slots } from './slots.js';

export interface UpstreamEndpoint {
  service: UpstreamService;
  /** A name for readiness and metrics that reveals no address: `default` or `tenant:<id>`. */
  label: string;
  pool: Pool;
  /** Who may use the pool's connections now (a fair share per tenant, a bounded wait). */
  slots: Slots;
  /**
   * A request for `tenantId` on one of the endpoint's slots, freed when the answer's body is read
   * or torn down. Every vendor call goes through here; errors are translated at this boundary.
   */
  request(tenantId: string, opts: Omit<Dispatcher.RequestOptions, 'origin'>): Promise<Dispatcher.ResponseData>;
  /** The Host header value sent (and, for CC-FS, signed). */
  host: string;
  origin: string;
  config: ResolvedUpstream;
  /** This endpoint's circuit breaker and retries. */
  guard: Guard;
}

export interface Transports {
  /** The endpoint for these settings, used by `tenantId`; two tenants with the same settings share one. */
  endpoint(service: UpstreamService, cfg: ResolvedUpstream, tenantId: string): UpstreamEndpoint;
  all(): UpstreamEndpoint[];
  close(): Promise<void>;
}

export function createTransports({ logger, metrics }: { logger: Logger; metrics?: Metrics }): Transports {
  const pools = new Map<string, UpstreamEndpoint>();
  return {
    endpoint(service, cfg, tenantId) {
      const { label } = cfg;
      const key = endpointKey(service, cfg);
      let ep = pools.get(key);
      if (!ep) {
        const url = new URL(cfg.baseUrl);
        const ca = cfg.caFile ? readFileSync(cfg.caFile) : undefined;
        const pool = new Pool(url.origin, {
          connections: cfg.connections,
          pipelining: 1,
          keepAliveTimeout: cfg.keepAliveTimeoutMs,
          keepAliveMaxTimeout: cfg.keepAliveTimeoutMs,
          headersTimeout: cfg.headersTimeoutMs,
          bodyTimeout: cfg.idleTimeoutMs,
          connect: { timeout: cfg.connectTimeoutMs, ...(ca ? { ca } : {}) },
        });
        // Hosts are signed as ip:port even for default ports (cc-protocol 5.3).
        const host = cfg.signedHost ?? `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
        const guard = createGuard({
          name: `${service}:${label}`,
          service,
          config: cfg,
          counts: isVendorFailure,
          logger,
          ...(metrics ? { metrics } : {}),
        });
        const slots = createSlots({
          service,
          size: cfg.connections,
          perTenant: Math.max(1, Math.ceil(cfg.connections * cfg.maxTenantShare)),
          maxWaitMs: cfg.queueTimeoutMs,
        });
        const request = async (tenantId: string, opts: Omit<Dispatcher.RequestOptions, 'origin'>) => {
          const signal = opts.signal as AbortSignal | undefined;
          const release = await slots.acquire(tenantId, signal);
          try {
            const res = await pool.request(opts);
            res.body.once('close', release);
            return res;
          } catch (err) {
            release();
            throw toUpstreamError(err, service, signal);
          }
        };
        ep = { service, label, pool, slots, request, host, origin: url.origin, config: cfg, guard };
        pools.set(key, ep);
      }
      ep.slots.addTenant(tenantId);
      return ep;
    },
    all: () => [...pools.values()],
    async close() {
      for (const ep of pools.values()) ep.guard.shutdown();
      await Promise.all([...pools.values()].map((ep) => ep.pool.close().catch(() => ep.pool.destroy())));
    },
  };
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);
const TIMEOUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** Translates a failure talking to a vendor into a gateway error, keeping the cause. */
export function toUpstreamError(err: unknown, service: UpstreamService, signal?: AbortSignal): Error {
  if (err instanceof GatewayError || err instanceof ClientGoneError) return err;
  if (signal?.aborted) return new ClientGoneError(err);
  const code = (err as { code?: string }).code ?? '';
  const name = SERVICE_NAMES[service];
  if (UNREACHABLE.has(code))
    return new GatewayError('UPSTREAM_UNAVAILABLE', `${name} cannot be reached`, { cause: err, retryAfterSec: 5 });
  if (TIMEOUT.has(code)) return new GatewayError('UPSTREAM_TIMEOUT', `${name} did not answer in time`, { cause: err });
  if (isTlsFailure(err)) {
    return new GatewayError('UPSTREAM_ERROR', `TLS to ${name} failed`, { cause: err });
  }
  return new GatewayError('UPSTREAM_ERROR', `${name} connection failed`, { cause: err });
}
