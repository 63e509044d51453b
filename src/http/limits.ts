/**
 * Per-tenant limits, keyed on the verified tenant, never on an address: a request rate with a
 * burst, and a cap on concurrent downloads and uploads. Playback URLs (3.4) have limits of their
 * own, so a leaked or embedded link cannot spend its tenant's API budget: a cap on the tenant's
 * concurrent playback streams, and per playback id a cap on concurrent streams and a request rate.
 * Refusals are 429 RATE_LIMITED with Retry-After.
 *
 * On the memory store one process counts (a token bucket of `burst` refilled at the rate). On
 * Redis every instance shares the counts: the rate in fixed windows (rate-limiter-flexible), the
 * streams as slots per instance that die with it. While Redis cannot answer, each instance
 * enforces its share, the limit divided by the live instances it last saw.
 */
import type { Response } from 'express';
import type { Logger } from 'pino';
import { GatewayError } from '../errors/catalogue.js';
import type { TenantPolicy } from '../domain/tenant-policy.js';
import type { Metrics } from '../ops/metrics.js';
import type { RedisStore } from '../store/redis-store.js';
import { createTokenBuckets } from './token-buckets.js';

export interface TenantLimits {
  /** Takes one request from the tenant's rate or throws 429. */
  admit(tenantId: string): Promise<void>;
  /** Counts a stream until the response closes, or throws 429 when the tenant is at its cap. */
  openStream(tenantId: string, res: Response): Promise<void>;
  /** A playback request: one request from the id's own rate, then a stream slot of the id and of the tenant's playback. */
  openPlayback(tenantId: string, idKey: string, res: Response): Promise<void>;
}

type Reason = 'rate' | 'concurrency' | 'playback_rate' | 'playback_concurrency';

/** At most this many playback ids' buckets are kept, the least recently used forgotten first. */
const MAX_PLAYBACK_KEYS = 100_000;

/** Runs `fn` once the response has closed, now if it already has (the client left while Redis answered). */
function whenClosed(res: Response, fn: () => void): void {
  if (res.closed) queueMicrotask(fn);
  else res.once('close', fn);
}

/** Where the counts live: seconds to wait (undefined: admitted), and slots held until a response closes. */
interface Counter {
  take(key: string, rate: number, burst: number): number | undefined | Promise<number | undefined>;
  hold(key: string, cap: number, res: Response): boolean | Promise<boolean>;
}

export function createTenantLimits(
  tenants: ReadonlyMap<string, TenantPolicy>,
  opts: { now: () => number; metrics?: Metrics; store?: RedisStore; logger?: Logger },
): TenantLimits {
  const counter = opts.store ? sharedCounter(opts.store, opts.now, opts.logger) : localCounter(opts.now);
  const { metrics } = opts;
  const refuse = (tenantId: string, reason: Reason, detail: string, retryAfterSec: number): never => {
    metrics?.rateLimited.inc({ tenant: tenantId, reason });
    throw new GatewayError('RATE_LIMITED', detail, { retryAfterSec });
  };
  const countStream = (tenantId: string, res: Response) => {
    metrics?.activeStreams.inc({ tenant: tenantId });
    whenClosed(res, () => metrics?.activeStreams.dec({ tenant: tenantId }));
  };
  return {
    async admit(tenantId) {
      const { requestsPerSecond: rate, burst } = tenants.get(tenantId)!.limits;
      const wait = await counter.take(`tenant ${tenantId}`, rate, burst);
      if (wait !== undefined)
        refuse(tenantId, 'rate', `the tenant is over its limit of ${rate} requests per second`, wait);
    },
    async openStream(tenantId, res) {
      const cap = tenants.get(tenantId)!.limits.concurrentStreams;
      if (!(await counter.hold(`api ${tenantId}`, cap, res))) {
        refuse(tenantId, 'concurrency', `the tenant already has ${cap} downloads or uploads in progress`, 1);
      }
      countStream(tenantId, res);
    },
    async openPlayback(tenantId, idKey, res) {
      const l = tenants.get(tenantId)!.limits;
      const wait = await counter.take(`id ${idKey}`, l.playbackRequestsPerSecondPerId, l.playbackBurstPerId);
      if (wait !== undefined) refuse(tenantId, 'playback_rate', 'this playback URL is asked for too often', wait);
      if (!(await counter.hold(`id ${idKey}`, l.playbackStreamsPerId, res))) {
        refuse(
          tenantId,
          'playback_concurrency',
          `this playback URL already has ${l.playbackStreamsPerId} streams open`,
          1,
        );
      }
      if (!(await counter.hold(`playback ${tenantId}`, l.playbackConcurrentStreams, res))) {
        refuse(
          tenantId,
          'playback_concurrency',
          `the tenant already has ${l.playbackConcurrentStreams} playback streams open`,
          1,
        );
      }
      countStream(tenantId, res);
    },
  };
}

/** One process's counts; `held` and `count` also serve the shared counter's fallback. */
function localCounter(now: () => number) {
  // Tenants are a fixed set; playback ids are not, so their buckets are bounded (and cannot push a tenant's out).
  const tenantBuckets = createTokenBuckets(now);
  const idBuckets = createTokenBuckets(now, MAX_PLAYBACK_KEYS);
  const streams = new Map<string, number>();
  const held = (key: string) => streams.get(key) ?? 0;
  /** Counts one of `key`'s streams until the response closes. */
  const count = (key: string, res: Response) => {
    streams.set(key, held(key) + 1);
    whenClosed(res, () => {
      const left = held(key) - 1;
      if (left <= 0) streams.delete(key);
      else streams.set(key, left);
    });
  };
  return {
    held,
    count,
    take: (key: string, rate: number, burst: number) =>
      (key.startsWith('id ') ? idBuckets : tenantBuckets).take(key, rate, burst),
    hold(key: string, cap: number, res: Response) {
      if (held(key) >= cap) return false;
      count(key, res);
      return true;
    },
  };
}

/**
 * A rate shared through Redis: `rate` a second with `burst` becomes a fixed window of
 * ceil(burst / rate) seconds holding rate x window requests (the same average, bursts up to the
 * window's allowance). Seconds to wait, or undefined when admitted; throws when Redis cannot answer.
 */
export function sharedRate(store: RedisStore) {
  return (key: string, rate: number, burst: number): Promise<number | undefined> => {
    const window = Math.max(1, Math.ceil(burst / rate));
    return store.consume(key, Math.max(1, Math.round(rate * window)), window);
  };
}

/** Counts shared through Redis (sharedRate, and stream slots); when Redis fails, the local counter enforces this instance's share. */
function sharedCounter(store: RedisStore, now: () => number, logger: Logger | undefined): Counter {
  const local = localCounter(now);
  const shared = sharedRate(store);
  let warned = false;
  const fallback = (err: unknown) => {
    if (!warned)
      logger?.warn({ err: { message: (err as Error).message } }, "limits fall back to this instance's share");
    warned = true;
  };
  /** Slots whose release Redis missed: once it answers again, this instance's count there is set to the truth. */
  const unsynced = new Set<string>();
  const recovered = () => {
    warned = false;
    for (const key of unsynced) {
      unsynced.delete(key);
      store.setSlot(key, local.held(key)).catch(() => unsynced.add(key));
    }
  };
  return {
    async take(key, rate, burst) {
      try {
        const wait = await shared(key, rate, burst);
        if (warned) recovered();
        return wait;
      } catch (err) {
        fallback(err);
        const n = store.liveInstances();
        return local.take(key, rate / n, Math.max(1, burst / n));
      }
    },
    async hold(key, cap, res) {
      try {
        if (!(await store.acquireSlot(key, cap))) return false;
        if (warned) recovered();
      } catch (err) {
        fallback(err);
        if (local.held(key) >= Math.max(1, Math.floor(cap / store.liveInstances()))) return false;
        local.count(key, res);
        unsynced.add(key);
        return true;
      }
      local.count(key, res);
      whenClosed(res, () => {
        store.releaseSlot(key).catch(() => unsynced.add(key));
      });
      return true;
    },
  };
}
