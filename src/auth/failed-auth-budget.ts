/**
 * A budget of failed authentications per client address (issue 13, item 11; issue 22, item 1): a
 * token bucket that only failures drain. It never locks anybody out: a token the gateway already
 * verified is served whatever its address's budget (requireAuth asks the authenticator's cache
 * first), and an address over its budget still has new tokens verified, at a small bounded rate
 * of their own (`overBudgetVerificationsPerMinute`); only the requests beyond that rate are
 * refused, with 429, before any token is parsed or any key fetched. A flood of forged tokens thus
 * costs at most that many verifications a minute, and a valid caller behind the same address (a
 * NAT, a proxy) keeps working. Keyed on the address, never the tenant; trusted networks are exempt.
 * Bounded: at most `MAX_ADDRESSES` are remembered, the least recently failing forgotten first.
 *
 * Every failure is also counted in the store, so on a shared store the instances agree on an address
 * that fails across all of them. Only failures call the store; requests that authenticate do not.
 * While a shared store cannot answer, each instance enforces its share of the budget.
 */
import { BlockList, isIPv6 } from 'node:net';
import type { GatewayConfig } from '../config/schema.js';
import { GatewayError } from '../errors/catalogue.js';
import type { Metrics } from '../ops/metrics.js';
import type { Store } from '../store/port.js';
import { createTokenBuckets } from '../store/token-buckets.js';

export interface FailedAuthBudget {
  /** Before verifying a token not verified yet: throws 429 when `address` is over its budget and its verifications over budget are spent. */
  admitVerification(address: string | undefined): void;
  /** One failed authentication from `address`; settles once the shared store (if any) has counted it. */
  failed(address: string | undefined): Promise<void>;
}

const MAX_ADDRESSES = 50_000;
/** New tokens verified at once from an address over its budget, before its per-minute rate applies. */
const OVER_BUDGET_BURST = 2;

export function createFailedAuthBudget(
  cfg: GatewayConfig['auth']['failedAuthLimit'],
  now: () => number,
  store: Store,
  metrics?: Metrics,
): FailedAuthBudget {
  if (!cfg.enabled) return { admitVerification: () => undefined, failed: async () => undefined };
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
  const overBudget = createTokenBuckets(now, MAX_ADDRESSES);
  const rate = cfg.perMinute / 60;
  const verifyRate = cfg.overBudgetVerificationsPerMinute / 60;
  return {
    admitVerification(address) {
      if (address === undefined || exempt(address)) return;
      if (buckets.wait(address, rate, cfg.burst) === undefined) return;
      const wait = overBudget.take(address, verifyRate, OVER_BUDGET_BURST);
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
