/**
 * Fair use of one endpoint's connections: at most `size` vendor requests at once (the pool's
 * size), at most `perTenant` of them for any one tenant, and every other tenant of the endpoint
 * always left a reserve (`reserveOf`, by the number of tenants): a tenant takes a slot past its own
 * reserve only while the free slots cover what the others are owed, so no set of tenants within
 * their shares can take the last connections from another. No request waits for a slot longer
 * than `maxWaitMs`: then it is refused with 503, so a full pool never leaves a caller hanging.
 * A slot is held until the vendor's answer is fully read or torn down, as its connection is.
 */
import { ClientGoneError, GatewayError, SERVICE_NAMES, type UpstreamService } from '../errors/catalogue.js';

/** The cause code of a wait that ran out: our own pool is busy, the vendor is not failing. */
const QUEUE_TIMEOUT = 'UPSTREAM_QUEUE_TIMEOUT';

/** A refusal for want of a free connection: never retried (it would wait again), never held against the vendor's breaker. */
export const isQueueTimeout = (err: unknown): boolean =>
  err instanceof GatewayError && (err.cause as { code?: unknown } | undefined)?.code === QUEUE_TIMEOUT;

export interface Slots {
  /** A tenant that uses this endpoint: it is owed a reserve from now on. */
  addTenant(tenantId: string): void;
  /** Resolves with a release function once `tenantId` may use a connection. */
  acquire(tenantId: string, signal?: AbortSignal): Promise<() => void>;
  /** Slots in use, in all and by tenant. */
  inUse(): { total: number; byTenant: ReadonlyMap<string, number> };
}

interface Waiter {
  tenantId: string;
  grant: () => void;
}

export function createSlots(opts: {
  service: UpstreamService;
  size: number;
  perTenant: number;
  maxWaitMs: number;
}): Slots {
  let total = 0;
  const byTenant = new Map<string, number>();
  const tenants = new Set<string>();
  const queue: Waiter[] = [];
  const reserve = () => reserveOf(opts.size, tenants.size);
  /** Slots the other tenants are owed: what each has yet to use of its reserve. */
  const owedToOthers = (tenantId: string) => {
    const r = reserve();
    let owed = 0;
    for (const t of tenants) if (t !== tenantId) owed += Math.max(0, r - (byTenant.get(t) ?? 0));
    return owed;
  };
  const fits = (tenantId: string) => {
    const mine = byTenant.get(tenantId) ?? 0;
    if (total >= opts.size || mine >= opts.perTenant) return false;
    return mine < reserve() || opts.size - total - 1 >= owedToOthers(tenantId);
  };
  const take = (tenantId: string) => {
    total += 1;
    byTenant.set(tenantId, (byTenant.get(tenantId) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      total -= 1;
      const left = (byTenant.get(tenantId) ?? 1) - 1;
      if (left === 0) byTenant.delete(tenantId);
      else byTenant.set(tenantId, left);
      // The first waiter that fits goes next: a tenant at its share does not block the others.
      const i = queue.findIndex((w) => fits(w.tenantId));
      if (i >= 0) queue.splice(i, 1)[0]!.grant();
    };
  };
  const name = SERVICE_NAMES[opts.service];
  return {
    addTenant(tenantId) {
      tenants.add(tenantId);
    },
    acquire(tenantId, signal) {
      // Nobody who could use the slot is waiting for it: take it now.
      if (fits(tenantId) && !queue.some((w) => fits(w.tenantId))) return Promise.resolve(take(tenantId));
      return new Promise((resolve, reject) => {
        const leave = (err: Error) => {
          const i = queue.indexOf(waiter);
          if (i >= 0) queue.splice(i, 1);
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        };
        const onAbort = () => leave(new ClientGoneError());
        const waiter: Waiter = {
          tenantId,
          grant: () => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
            resolve(take(tenantId));
          },
        };
        const timer = setTimeout(
          () =>
            leave(
              new GatewayError('UPSTREAM_UNAVAILABLE', `no connection to ${name} became free in time`, {
                retryAfterSec: 1,
                cause: { code: QUEUE_TIMEOUT },
              }),
            ),
          opts.maxWaitMs,
        );
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(waiter);
      });
    },
    inUse: () => ({ total, byTenant }),
  };
}

/**
 * The connections each tenant of an endpoint is always left: a quarter of the pool split among
 * its tenants, at least one; none while a single tenant uses it.
 */
export function reserveOf(size: number, tenants: number): number {
  return tenants <= 1 ? 0 : Math.max(1, Math.floor(size / (4 * tenants)));
}
