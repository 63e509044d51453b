/**
 * Counts one process can keep: token buckets for rates and a tally of held stream slots. The memory
 * store is made of them, and the Redis store falls back on them while Redis cannot answer.
 */
import type { CountSpace } from './port.js';
import { createTokenBuckets, type TokenBuckets } from './token-buckets.js';

/** Keys of the unbounded spaces (playback ids, addresses): the least recently used are forgotten beyond this. */
const MAX_KEYS = 100_000;

export interface LocalCounts {
  take(space: CountSpace, id: string, rate: number, burst: number, cost?: number): number | undefined;
  /** Slots of `space id` this process holds. */
  held(space: CountSpace, id: string): number;
  /** Takes a slot if fewer than `cap` are held: its release, or undefined. */
  hold(space: CountSpace, id: string, cap: number): (() => void) | undefined;
}

export function createLocalCounts(now: () => number): LocalCounts {
  // Tenants are a fixed set; the other spaces are not, so each has buckets of its own and a bound
  // (a flood of new playback ids cannot push a tenant's bucket out).
  const buckets = new Map<CountSpace, TokenBuckets>();
  const bucketsOf = (space: CountSpace) => {
    let b = buckets.get(space);
    if (!b) {
      b = createTokenBuckets(now, space === 'tenant' ? Number.POSITIVE_INFINITY : MAX_KEYS);
      buckets.set(space, b);
    }
    return b;
  };
  const slots = new Map<string, number>();
  const held = (space: CountSpace, id: string) => slots.get(`${space} ${id}`) ?? 0;
  return {
    take: (space, id, rate, burst, cost) => bucketsOf(space).take(id, rate, burst, cost),
    held,
    hold(space, id, cap) {
      const key = `${space} ${id}`;
      if (held(space, id) >= cap) return undefined;
      slots.set(key, held(space, id) + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (slots.get(key) ?? 0) - 1;
        if (left <= 0) slots.delete(key);
        else slots.set(key, left);
      };
    },
  };
}
