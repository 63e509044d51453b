/**
 * Token buckets refilled continuously: `rate` tokens a second up to `burst`. One set per kind of
 * key; a set of unbounded keys (addresses, playback ids) forgets the least recently used first
 * beyond `maxKeys`, so that a flood of new keys cannot grow memory.
 */
export interface TokenBuckets {
  /** Seconds until `key` has a token, or undefined when it has one now (nothing is taken). */
  wait(key: string, rate: number, burst: number): number | undefined;
  /** Takes `cost` tokens (1) from `key`; returns the seconds to wait instead when there are not as many. */
  take(key: string, rate: number, burst: number, cost?: number): number | undefined;
  /** Takes a token whether or not there is one (the bucket may go below zero). */
  spend(key: string, rate: number, burst: number): void;
  /** Empties `key` so that its next token is at least `seconds` away (a verdict reached elsewhere). */
  refuseFor(key: string, rate: number, burst: number, seconds: number): void;
}

export function createTokenBuckets(now: () => number, maxKeys = Number.POSITIVE_INFINITY): TokenBuckets {
  const buckets = new Map<string, { tokens: number; at: number }>();
  /** The bucket of `key` refilled up to now, made the most recently used. */
  const refill = (key: string, rate: number, burst: number) => {
    const t = now();
    const b = buckets.get(key) ?? { tokens: burst, at: t };
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * rate);
    b.at = t;
    if (maxKeys !== Number.POSITIVE_INFINITY) buckets.delete(key);
    buckets.set(key, b);
    if (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value!);
    return b;
  };
  const levelOf = (key: string, rate: number, burst: number) => {
    const b = buckets.get(key);
    return b ? Math.min(burst, b.tokens + ((now() - b.at) / 1000) * rate) : burst;
  };
  return {
    wait(key, rate, burst) {
      const tokens = levelOf(key, rate, burst);
      return tokens >= 1 ? undefined : (1 - tokens) / rate;
    },
    take(key, rate, burst, cost = 1) {
      const b = refill(key, rate, burst);
      if (b.tokens < cost) return (cost - b.tokens) / rate;
      b.tokens -= cost;
      return undefined;
    },
    spend(key, rate, burst) {
      refill(key, rate, burst).tokens -= 1;
    },
    refuseFor(key, rate, burst, seconds) {
      const b = refill(key, rate, burst);
      b.tokens = Math.min(b.tokens, 1 - seconds * rate);
    },
  };
}
