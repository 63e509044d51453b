/**
 * Per-tenant limits, keyed on the verified tenant, never on an address: a token bucket of
 * `requestsPerSecond` refilled continuously up to `burst`, and a cap on concurrent downloads and
 * uploads. Playback URLs (3.4) have limits of their own, so a leaked or embedded link cannot spend
 * its tenant's API budget: a cap on the tenant's concurrent playback streams, and per playback id
 * a cap on concurrent streams and a request rate. Refusals are 429 RATE_LIMITED with Retry-After.
 * One process's view: each instance of the gateway enforces its own.
 */
import type { Response } from 'express';
import { GatewayError } from '../errors/catalogue.js';
import type { TenantPolicy } from '../domain/tenant-policy.js';
import type { Metrics } from '../ops/metrics.js';
import { createTokenBuckets } from './token-buckets.js';

export interface TenantLimits {
  /** Takes one token from the tenant's bucket or throws 429. */
  admit(tenantId: string): void;
  /** Counts a stream until the response closes, or throws 429 when the tenant is at its cap. */
  openStream(tenantId: string, res: Response): void;
  /** A playback request: one token from the id's own bucket, then a stream slot of the id and of the tenant's playback. */
  openPlayback(tenantId: string, idKey: string, res: Response): void;
}

type Reason = 'rate' | 'concurrency' | 'playback_rate' | 'playback_concurrency';

/** At most this many playback ids' buckets are kept, the least recently used forgotten first. */
const MAX_PLAYBACK_KEYS = 100_000;

export function createTenantLimits(
  tenants: ReadonlyMap<string, TenantPolicy>,
  now: () => number,
  metrics?: Metrics,
): TenantLimits {
  // Tenants are a fixed set; playback ids are not, so their buckets are bounded.
  const tenantBuckets = createTokenBuckets(now);
  const idBuckets = createTokenBuckets(now, MAX_PLAYBACK_KEYS);
  const streams = new Map<string, number>();
  const refuse = (tenantId: string, reason: Reason, detail: string, retryAfterSec: number): never => {
    metrics?.rateLimited.inc({ tenant: tenantId, reason });
    throw new GatewayError('RATE_LIMITED', detail, { retryAfterSec });
  };
  /** Holds one of `key`'s `cap` slots until the response closes; false when all are taken. */
  const hold = (key: string, cap: number, res: Response): boolean => {
    const open = streams.get(key) ?? 0;
    if (open >= cap) return false;
    streams.set(key, open + 1);
    res.once('close', () => {
      const left = (streams.get(key) ?? 1) - 1;
      if (left === 0) streams.delete(key);
      else streams.set(key, left);
    });
    return true;
  };
  const countStream = (tenantId: string, res: Response) => {
    metrics?.activeStreams.inc({ tenant: tenantId });
    res.once('close', () => metrics?.activeStreams.dec({ tenant: tenantId }));
  };
  return {
    admit(tenantId) {
      const { requestsPerSecond: rate, burst } = tenants.get(tenantId)!.limits;
      const wait = tenantBuckets.take(tenantId, rate, burst);
      if (wait !== undefined)
        refuse(tenantId, 'rate', `the tenant is over its limit of ${rate} requests per second`, wait);
    },
    openStream(tenantId, res) {
      const cap = tenants.get(tenantId)!.limits.concurrentStreams;
      if (!hold(`api ${tenantId}`, cap, res)) {
        refuse(tenantId, 'concurrency', `the tenant already has ${cap} downloads or uploads in progress`, 1);
      }
      countStream(tenantId, res);
    },
    openPlayback(tenantId, idKey, res) {
      const l = tenants.get(tenantId)!.limits;
      const wait = idBuckets.take(idKey, l.playbackRequestsPerSecondPerId, l.playbackBurstPerId);
      if (wait !== undefined) refuse(tenantId, 'playback_rate', 'this playback URL is asked for too often', wait);
      if (!hold(`id ${idKey}`, l.playbackStreamsPerId, res)) {
        refuse(
          tenantId,
          'playback_concurrency',
          `this playback URL already has ${l.playbackStreamsPerId} streams open`,
          1,
        );
      }
      if (!hold(`playback ${tenantId}`, l.playbackConcurrentStreams, res)) {
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
