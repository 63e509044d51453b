/**
 * A budget of failed authentications per client address (issue 13, item 11): a token bucket that
 * only failures drain. An address over it gets 429 before any token is parsed or any key fetched.
 * Keyed on the address, never the tenant, so a stranger cannot lock a tenant out; trusted networks
 * are exempt. Bounded: at most `MAX_ADDRESSES` are remembered, the least recently failing forgotten first.
 */
import { BlockList, isIPv6 } from 'node:net';
import { GatewayError } from '../errors/catalogue.js';
import type { GatewayConfig } from '../config/schema.js';
import type { Metrics } from '../ops/metrics.js';

export interface FailedAuthBudget {
  /** Throws 429 when `address` has no failure left in its budget. */
  check(address: string | undefined): void;
  /** One failed authentication from `address`. */
  failed(address: string | undefined): void;
}

const MAX_ADDRESSES = 50_000;

export function createFailedAuthBudget(
  cfg: GatewayConfig['auth']['failedAuthLimit'],
  now: () => number,
  metrics?: Metrics,
): FailedAuthBudget {
  if (!cfg.enabled) return { check: () => undefined, failed: () => undefined };
  const trusted = new BlockList();
  for (const cidr of cfg.trustedNetworks) {
    const [net, bits] = cidr.split('/');
    trusted.addSubnet(net!, Number(bits), isIPv6(net!) ? 'ipv6' : 'ipv4');
  }
  const plain = (a: string) => (a.startsWith('::ffff:') && !a.slice(7).includes(':') ? a.slice(7) : a);
  // BlockList.check builds a SocketAddress each time: skip it when nothing is trusted.
  const exempt =
    cfg.trustedNetworks.length === 0
      ? () => false
      : (a: string) => trusted.check(plain(a), isIPv6(plain(a)) ? 'ipv6' : 'ipv4');
  const buckets = new Map<string, { tokens: number; at: number }>();
  const ratePerMs = cfg.perMinute / 60_000;
  const level = (address: string) => {
    const b = buckets.get(address);
    if (!b) return cfg.burst;
    return Math.min(cfg.burst, b.tokens + (now() - b.at) * ratePerMs);
  };
  return {
    check(address) {
      if (address === undefined || exempt(address)) return;
      const tokens = level(address);
      if (tokens >= 1) return;
      metrics?.rateLimited.inc({ tenant: 'none', reason: 'auth' });
      throw new GatewayError('RATE_LIMITED', 'too many failed authentications from this address', {
        retryAfterSec: (1 - tokens) / ratePerMs / 1000,
      });
    },
    failed(address) {
      if (address === undefined || exempt(address)) return;
      const tokens = level(address) - 1;
      buckets.delete(address);
      buckets.set(address, { tokens, at: now() });
      if (buckets.size > MAX_ADDRESSES) buckets.delete(buckets.keys().next().value!);
    },
  };
}
