/**
 * Per-tenant limits (issue 5), keyed on the verified tenant, never on an address: a token bucket
 * of `requestsPerSecond` refilled continuously up to `burst`, and a cap on concurrent downloads
 * and uploads. Refusals are 429 RATE_LIMITED with Retry-After. One process's view: each instance
 * of the gateway enforces its own share.
 */
import type { Response } from 'express';
import { GatewayError } from '../errors/catalogue.js';
import type { TenantPolicy } from '../domain/tenant-policy.js';
import type { Metrics } from '../ops/metrics.js';

export interface TenantLimits {
  /** Takes one token from the tenant's bucket or throws 429. */
  admit(tenantId: string): void;
  /** Counts a stream until the response closes, or throws 429 when the tenant is at its cap. */
  openStream(tenantId: string, res: Response): void;
}

export function createTenantLimits(
  tenants: ReadonlyMap<string, TenantPolicy>,
  now: () => number,
  metrics?: Metrics,
): TenantLimits {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const streams = new Map<string, number>();
  return {
    admit(tenantId) {
      const { requestsPerSecond: rate, burst } = tenants.get(tenantId)!.limits;
      const t = now();
      const b = buckets.get(tenantId) ?? { tokens: burst, at: t };
      b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * rate);
      b.at = t;
      buckets.set(tenantId, b);
      if (b.tokens < 1) {
        metrics?.rateLimited.inc({ tenant: tenantId, reason: 'rate' });
        throw new GatewayError('RATE_LIMITED', `the tenant is over its limit of ${rate} requests per second`, {
          retryAfterSec: (1 - b.tokens) / rate,
        });
      }
      b.tokens -= 1;
    },
    openStream(tenantId, res) {
      const cap = tenants.get(tenantId)!.limits.concurrentStreams;
      const open = streams.get(tenantId) ?? 0;
      if (open >= cap) {
        metrics?.rateLimited.inc({ tenant: tenantId, reason: 'concurrency' });
        throw new GatewayError('RATE_LIMITED', `the tenant already has ${cap} downloads or uploads in progress`, {
          retryAfterSec: 1,
        });
      }
      streams.set(tenantId, open + 1);
      metrics?.activeStreams.inc({ tenant: tenantId });
      res.once('close', () => {
        streams.set(tenantId, (streams.get(tenantId) ?? 1) - 1);
        metrics?.activeStreams.dec({ tenant: tenantId });
      });
    },
  };
}
