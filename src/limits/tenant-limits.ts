/**
 * Per-tenant limits, keyed on the verified tenant, never on an address: a request rate with a
 * burst, and a cap on concurrent downloads and uploads. Playback URLs (3.4) have limits of their
 * own, so a leaked or embedded link cannot spend its tenant's API budget: a cap on the tenant's
 * concurrent playback streams, and per playback id a cap on concurrent streams and a request rate.
 * Refusals are 429 RATE_LIMITED with Retry-After.
 *
 * The counts live in the store: on the memory store one process counts (a token bucket of `burst`
 * refilled at the rate); on Redis every instance shares them (store/redis-store.ts says how, and
 * what each instance enforces while Redis cannot answer).
 */
import type { Response } from 'express';
import type { TenantPolicy } from '../domain/tenant-policy.js';
import { GatewayError } from '../errors/catalogue.js';
import type { Metrics } from '../ops/metrics.js';
import type { CountSpace, Store } from '../store/port.js';

export interface TenantLimits {
  /** Takes one request from the tenant's rate or throws 429. */
  admit(tenantId: string): Promise<void>;
  /** Counts a stream until the response closes, or throws 429 when the tenant is at its cap. */
  openStream(tenantId: string, res: Response): Promise<void>;
  /** A playback request: one request from the id's own rate, then a stream slot of the id and of the tenant's playback. */
  openPlayback(tenantId: string, idKey: string, res: Response): Promise<void>;
  /** A playback range that skips `bytes`: taken from the id's skip budget (429 past it), counted for its tenant. */
  chargeSkip(tenantId: string, idKey: string, bytes: number): Promise<void>;
}

type Reason = 'rate' | 'concurrency' | 'playback_rate' | 'playback_concurrency' | 'playback_skip';

/** Runs `fn` once the response has closed, now if it already has (the client left while Redis answered). */
function whenClosed(res: Response, fn: () => void): void {
  if (res.closed) queueMicrotask(fn);
  else res.once('close', fn);
}

export function createTenantLimits(
  tenants: ReadonlyMap<string, TenantPolicy>,
  opts: { store: Store; metrics?: Metrics },
): TenantLimits {
  const { store, metrics } = opts;
  /** Holds one of `id`'s slots until the response closes; false when all are held. */
  const hold = async (space: CountSpace, id: string, cap: number, res: Response) => {
    const release = await store.hold(space, id, cap);
    if (release) whenClosed(res, release);
    return release !== undefined;
  };
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
      const wait = await store.take('tenant', tenantId, rate, burst);
      if (wait !== undefined)
        refuse(tenantId, 'rate', `the tenant is over its limit of ${rate} requests per second`, wait);
    },
    async openStream(tenantId, res) {
      const cap = tenants.get(tenantId)!.limits.concurrentStreams;
      if (!(await hold('api', tenantId, cap, res))) {
        refuse(tenantId, 'concurrency', `the tenant already has ${cap} downloads or uploads in progress`, 1);
      }
      countStream(tenantId, res);
    },
    async chargeSkip(tenantId, idKey, bytes) {
      const perMinute = tenants.get(tenantId)!.limits.playbackRangeSkipBytesPerMinutePerId;
      const wait = await store.take('skip', idKey, perMinute / 60, perMinute, bytes);
      if (wait !== undefined)
        refuse(tenantId, 'playback_skip', 'this playback URL skipped too far into its recording too often', wait);
      metrics?.rangeSkippedBytes.inc({ tenant: tenantId }, bytes);
    },
    async openPlayback(tenantId, idKey, res) {
      const l = tenants.get(tenantId)!.limits;
      const wait = await store.take('id', idKey, l.playbackRequestsPerSecondPerId, l.playbackBurstPerId);
      if (wait !== undefined) refuse(tenantId, 'playback_rate', 'this playback URL is asked for too often', wait);
      if (!(await hold('id', idKey, l.playbackStreamsPerId, res))) {
        refuse(
          tenantId,
          'playback_concurrency',
          `this playback URL already has ${l.playbackStreamsPerId} streams open`,
          1,
        );
      }
      if (!(await hold('playback', tenantId, l.playbackConcurrentStreams, res))) {
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
