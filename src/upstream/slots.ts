/**
 * Fair use of one endpoint's connections: at most `size` vendor requests at once (the pool's
 * size), at most `perTenant` of them for any one tenant, and no request waits for a slot longer
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
  const queue: Waiter[] = [];
  const fits = (tenantId: string) => total < opts.size && (byTenant.get(tenantId) ?? 0) < opts.perTenant;
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
