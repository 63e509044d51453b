/**
 * The shared store on Redis (ioredis): the instance registry, rate windows, stream slots and the
 * agents' leases and sealed session records. Every call fails fast while Redis is unreachable (no
 * offline queue, a command timeout) and the client reconnects by itself. Meanwhile the counts fall
 * back to this instance's share (the limit divided by the live instances it last saw), and the
 * agents' calls reject, which the agent sessions answer as their own documented fallback.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { GatewayConfig } from '../config/schema.js';
import { deriveKey, seal, unseal } from '../domain/seal.js';
import { createLocalCounts } from './local-counts.js';
import type { AgentMessage, CountSpace, Store } from './port.js';
import * as lua from './scripts.js';

export type StoreConfig = GatewayConfig['store'];

/** Slot keys of playback ids come and go: an unused one is forgotten after this. */
const SLOT_KEY_TTL_MS = 6 * 3600 * 1000;
/** An agent record outlives its last lease renewal this long (the vendor drops an unpolled session sooner). */
const RECORD_TTL_MS = 10 * 60 * 1000;

type Script = (...args: Array<string | number>) => Promise<unknown>;

export function createRedisStore(
  cfg: StoreConfig,
  opts: { logger: Logger; now?: () => number; onUp?: (up: boolean) => void },
): Store {
  const url = new URL(cfg.url!);
  const instanceId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const client = new Redis(cfg.url!, {
    ...(cfg.username ? { username: cfg.username } : {}),
    ...(cfg.password ? { password: cfg.password } : {}),
    ...(url.protocol === 'rediss:' ? { tls: cfg.caFile ? { ca: readFileSync(cfg.caFile) } : {} } : {}),
    connectTimeout: cfg.connectTimeoutMs,
    commandTimeout: cfg.commandTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(100 * 2 ** times, 2000),
    lazyConnect: true,
  });
  const subscriber = client.duplicate({ enableOfflineQueue: true, commandTimeout: undefined });
  const key = (...parts: Array<string | number>) => `${cfg.keyPrefix}${parts.join(':')}`;
  const registry = key('instances');
  const channel = key('agents');
  const sealKey = deriveKey('store/v1', cfg.sealSecret!);

  let isUp = false;
  let live = 1;
  const setUp = (up: boolean, err?: Error) => {
    if (up === isUp) return;
    isUp = up;
    opts.onUp?.(up);
    if (up) opts.logger.info({ instance: instanceId }, 'shared store reachable');
    else opts.logger.error({ err: err ? { message: err.message } : undefined }, 'shared store unreachable');
  };
  client.on('ready', () => setUp(true));
  client.on('error', (err: Error) => setUp(false, err));
  client.on('end', () => setUp(false));
  client.on('close', () => setUp(false));
  subscriber.on('error', () => undefined);

  const define = (name: string, keys: number, source: string): Script => {
    client.defineCommand(name, { numberOfKeys: keys, lua: source });
    return (client as unknown as Record<string, Script>)[name]!.bind(client);
  };
  const heartbeat = define('ccgwHeartbeat', 1, lua.HEARTBEAT);
  const leaveScript = define('ccgwLeave', 1, lua.LEAVE);
  const slotAcquire = define('ccgwSlotAcquire', 2, lua.SLOT_ACQUIRE);
  const slotRelease = define('ccgwSlotRelease', 1, lua.SLOT_RELEASE);
  const leaseRenew = define('ccgwLeaseRenew', 2, lua.LEASE_RENEW);
  const leaseRelease = define('ccgwLeaseRelease', 1, lua.LEASE_RELEASE);
  const recordWrite = define('ccgwRecordWrite', 1, lua.RECORD_WRITE);

  /**
   * Runs a command and keeps `up` truthful: a timeout or a connection failure marks the store down.
   * An answer is not an outage, even a refusal: a Redis error reply, or a rate limiter's 429.
   */
  const run = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      const v = await fn();
      setUp(client.status === 'ready');
      return v;
    } catch (err) {
      if (err instanceof RateLimiterRes) setUp(client.status === 'ready');
      else if (!(err instanceof Error && err.name === 'ReplyError')) setUp(false, err as Error);
      throw err;
    }
  };

  const limiters = new Map<string, RateLimiterRedis>();
  const limiter = (points: number, durationSec: number) => {
    const id = `${points}/${durationSec}`;
    let l = limiters.get(id);
    if (!l) {
      l = new RateLimiterRedis({
        storeClient: client,
        points,
        duration: durationSec,
        keyPrefix: key('rate', id),
        rejectIfRedisNotReady: true,
      });
      limiters.set(id, l);
    }
    return l;
  };

  const listeners = new Map<string, (m: AgentMessage) => void>();
  subscriber.on('message', (_ch: string, text: string) => {
    try {
      const m = JSON.parse(text) as AgentMessage & { agent: string; from: string };
      if (m.from !== instanceId) listeners.get(m.agent)?.({ kind: m.kind, generation: m.generation });
    } catch {
      // A message this version does not understand.
    }
  });
  const publish = (agent: string, kind: AgentMessage['kind'], generation: number) =>
    run(() => client.publish(channel, JSON.stringify({ agent, kind, generation, from: instanceId })));

  let beat: NodeJS.Timeout | undefined;
  const beatOnce = async () => {
    try {
      live = Math.max(1, Number(await run(() => heartbeat(registry, instanceId, cfg.instanceTtlMs))));
    } catch {
      // Down: `live` keeps its last value, which the fallbacks divide by.
    }
  };

  const counts = sharedCounts(
    {
      consume: (k, points, durationSec, cost) =>
        run(() => limiter(points, durationSec).consume(k, cost)).then(
          () => undefined,
          (err: unknown) => {
            if (err instanceof RateLimiterRes) return Math.max(err.msBeforeNext, 1) / 1000;
            throw err;
          },
        ),
      acquire: async (k, cap) =>
        Number(await run(() => slotAcquire(key('slots', k), registry, instanceId, cap, SLOT_KEY_TTL_MS))) === 1,
      release: async (k) => void (await run(() => slotRelease(key('slots', k), instanceId))),
      set: async (k, count) =>
        void (await run(() =>
          count > 0 ? client.hset(key('slots', k), instanceId, count) : client.hdel(key('slots', k), instanceId),
        )),
      liveInstances: () => live,
      up: () => isUp,
    },
    opts.now ?? Date.now,
    opts.logger,
  );

  return {
    instanceId,
    shared: true,
    status: () => ({ up: isUp, liveInstances: live }),
    take: counts.take,
    hold: counts.hold,
    agent(tenant, agentId, onMessage) {
      const id = `${tenant}:${agentId}`;
      const lease = key('lease', tenant, agentId);
      const record = key('agent', tenant, agentId);
      const refused = key('refused', tenant, agentId);
      // The record is bound to its key: a sealed value copied to another agent's key does not open.
      const aad = Buffer.from(record);
      listeners.set(id, onMessage);
      return {
        async acquire() {
          return (await run(() => client.set(lease, instanceId, 'PX', cfg.leaseTtlMs, 'NX'))) === 'OK';
        },
        async renew() {
          const r = Number(await run(() => leaseRenew(lease, record, instanceId, cfg.leaseTtlMs, RECORD_TTL_MS)));
          return r === 1 ? 'kept' : r === 2 ? 'regained' : 'lost';
        },
        async release() {
          const released = Number(await run(() => leaseRelease(lease, instanceId)));
          if (released) await publish(id, 'released', 0);
        },
        async held() {
          return (await run(() => client.exists(lease))) === 1;
        },
        async read() {
          const h = await run(() => client.hgetall(record));
          if (!h.s || !h.v || !h.g) return undefined;
          const credentials = unseal(sealKey, Buffer.from(h.s, 'base64'), aad);
          if (!credentials) {
            opts.logger.error(
              { agent: id },
              'agent record in the shared store does not open: is sealSecret the same everywhere?',
            );
            return undefined;
          }
          return { version: Number(h.v), generation: Number(h.g), credentials };
        },
        async write(generation, credentials, expectVersion) {
          const sealed = seal(sealKey, credentials, aad).toString('base64');
          const v = Number(
            await run(() => recordWrite(record, generation, sealed, expectVersion ?? '', RECORD_TTL_MS)),
          );
          if (v === 0) return undefined;
          await publish(id, 'changed', generation);
          return v;
        },
        async clear() {
          await run(() => client.del(record));
        },
        async requestRenewal(generation) {
          await publish(id, 'renew', generation);
        },
        async markRefused(code, ms) {
          await run(() => client.set(refused, code, 'PX', ms));
        },
        async refusal() {
          const [[, code], [, ms]] = (await run(() => client.multi().get(refused).pttl(refused).exec())) as [
            [unknown, string | null],
            [unknown, number],
          ];
          return code && ms > 0 ? { code, ms } : undefined;
        },
      };
    },
    async start() {
      // Queued until the subscriber connects, and renewed by ioredis after every reconnect.
      const subscribed = subscriber.subscribe(channel).catch(() => undefined);
      subscriber.connect().catch(() => undefined);
      await client.connect().catch((err: Error) => setUp(false, err));
      if (isUp) await Promise.race([subscribed, new Promise((r) => setTimeout(r, cfg.connectTimeoutMs).unref())]);
      await beatOnce();
      beat = setInterval(() => void beatOnce(), Math.max(100, Math.floor(cfg.instanceTtlMs / 3)));
      beat.unref();
    },
    async leave() {
      if (beat) clearInterval(beat);
      beat = undefined;
      try {
        return Number(await run(() => leaveScript(registry, instanceId)));
      } catch {
        return undefined;
      }
    },
    async close() {
      if (beat) clearInterval(beat);
      listeners.clear();
      subscriber.disconnect();
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** What the shared counts need of Redis; each call rejects while Redis cannot answer. */
interface CountCommands {
  /** Seconds to wait, or undefined when admitted. */
  consume(key: string, points: number, durationSec: number, cost: number): Promise<number | undefined>;
  acquire(key: string, cap: number): Promise<boolean>;
  release(key: string): Promise<void>;
  /** Sets this instance's count of `key` (after Redis missed releases). */
  set(key: string, count: number): Promise<void>;
  liveInstances(): number;
  /** False after a timeout or a lost connection, until a command (the heartbeat at least) succeeds again. */
  up(): boolean;
}

/**
 * Counts shared through Redis. A rate of `rate` a second with `burst` becomes a fixed window of
 * ceil(burst / rate) seconds holding rate x window requests (the same average, bursts up to the
 * window's allowance); streams are slots per instance that die with it. When Redis fails, the local
 * counts enforce this instance's share, at once and without asking Redis again until a command (the
 * heartbeat, a third of instanceTtlMs) succeeds: a slow Redis costs one command timeout, not one per
 * request. Slots whose count Redis missed (a release it did not hear, a slot taken or given back
 * during the fallback) are set to this instance's truth after the next command that reaches it.
 */
function sharedCounts(redis: CountCommands, now: () => number, logger: Logger): Pick<Store, 'take' | 'hold'> {
  const local = createLocalCounts(now);
  let warned = false;
  const fallback = (err: unknown) => {
    if (!warned) logger.warn({ err: { message: (err as Error).message } }, "limits fall back to this instance's share");
    warned = true;
  };
  const unsynced = new Map<string, [CountSpace, string]>();
  const reached = () => {
    warned = false;
    for (const [k, [space, id]] of unsynced) {
      unsynced.delete(k);
      redis.set(k, local.held(space, id)).catch(() => unsynced.set(k, [space, id]));
    }
  };
  const down = () => new Error('the shared store is down: falling back until it answers again');
  return {
    async take(space, id, rate, burst, cost = 1) {
      const window = Math.max(1, Math.ceil(burst / rate));
      try {
        if (!redis.up()) throw down();
        const wait = await redis.consume(`${space} ${id}`, Math.max(1, Math.round(rate * window)), window, cost);
        reached();
        return wait;
      } catch (err) {
        fallback(err);
        const n = redis.liveInstances();
        return local.take(space, id, rate / n, Math.max(1, burst / n), cost);
      }
    },
    async hold(space, id, cap) {
      const k = `${space} ${id}`;
      try {
        if (!redis.up()) throw down();
        const taken = await redis.acquire(k, cap);
        reached();
        if (!taken) return undefined;
      } catch (err) {
        fallback(err);
        const release = local.hold(space, id, Math.max(1, Math.floor(cap / redis.liveInstances())));
        if (!release) return undefined;
        unsynced.set(k, [space, id]);
        // Redis may have been told of this slot since (a sync): its release must reach Redis too.
        return () => {
          release();
          unsynced.set(k, [space, id]);
        };
      }
      // Held in Redis and mirrored here, so that a missed release can be set right.
      const mirror = local.hold(space, id, Number.POSITIVE_INFINITY)!;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        mirror();
        redis.release(k).catch(() => unsynced.set(k, [space, id]));
      };
    },
  };
}
