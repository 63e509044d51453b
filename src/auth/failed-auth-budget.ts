/**
 * A budget of failed authentications per client address (issue 13, item 11): a token bucket that
 * only failures drain. An address over it gets 429 before any token is parsed or any key fetched.
 * Keyed on the address, never the tenant, so a stranger cannot lock a tenant out; trusted networks
 * are exempt. Bounded: at most `MAX_ADDRESSES` are remembered, the least recently failing forgotten first.
 *
 * Every failure is also counted in the store, so on a shared store the instances agree on an address
 * that fails across all of them: once the shared count is over, each instance refuses it from its
 * next failure on. Only failures call the store; requests that authenticate do not. While a shared
 * store cannot answer, each instance enforces its share of the budget.
 */
import { BlockList, isIPv6 } from 'node:net';
import type { GatewayConfig } from '../config/schema.js';
import { GatewayError } from '../errors/catalogue.js';
import type { Metrics } from '../ops/metrics.js';
import type { Store } from '../store/port.js';
import { createTokenBuckets } from '../store/token-buckets.js';

export interface FailedAuthBudget {
  /** Throws 429 when `address` has no failure left in its budget. */
  check(address: string | undefined): void;
  /** One failed authentication from `address`; settles once the shared store (if any) has counted it. */
  failed(address: string | undefined): Promise<void>;
}

const MAX_ADDRESSES = 50_000;

export function createFailedAuthBudget(
  cfg: GatewayConfig['auth']['failedAuthLimit'],
  now: () => number,
  store: Store,
  metrics?: Metrics,
): FailedAuthBudget {
  if (!cfg.enabled) return { check: () => undefined, failed: async () => undefined };
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
  const buckets = createTokenBuckets(now, MAX_ADDRESSES);
  const rate = cfg.perMinute / 60;
  return {
    check(address) {
      if (address === undefined || exempt(address)) return;
      const wait = buckets.wait(address, rate, cfg.burst);
      if (wait === undefined) return;
      metrics?.rateLimited.inc({ tenant: 'none', reason: 'auth' });
      throw new GatewayError('RATE_LIMITED', 'too many failed authentications from this address', {
        retryAfterSec: wait,
      });
    },
    async failed(address) {
      if (address === undefined || exempt(address)) return;
      buckets.spend(address, rate, cfg.burst);
      // Counted before the refusal is answered, so the next request meets the verdict (failures only: no store call otherwise).
      const wait = await store.take('auth', address, rate, cfg.burst);
      // The shared verdict empties this instance's bucket too, for as long as the store says.
      if (wait !== undefined) buckets.refuseFor(address, rate, cfg.burst, wait);
    },
  };
}
