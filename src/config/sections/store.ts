import { z } from 'zod';

/**
 * Where state that instances must agree on lives: the tenant limits and the agent sessions.
 * `memory` is one process; `redis` is any number of instances and workers sharing one Redis.
 */
export const storeSchema = z.strictObject({
  type: z.enum(['memory', 'redis']).default('memory'),
  /** `redis://host:port[/db]` or `rediss://` for TLS; credentials go in `username` and `password`. */
  url: z
    .string()
    .refine((s) => {
      try {
        const u = new URL(s);
        return (u.protocol === 'redis:' || u.protocol === 'rediss:') && !u.username && !u.password && !u.search;
      } catch {
        return false;
      }
    }, 'must be redis://host:port[/db] or rediss://..., without credentials (use username and password)')
    .optional(),
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  /** Trust anchor for a `rediss://` server's certificate (default: the system's CAs). */
  caFile: z.string().min(1).optional(),
  /** Prefix of every key, so that several gateways can share one Redis. */
  keyPrefix: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1 to 64 characters of [A-Za-z0-9_.:-]')
    .default('ccgw:'),
  connectTimeoutMs: z.number().int().min(100).max(60_000).default(2000),
  /** A command slower than this counts as a store failure (the request goes on with the fallback). */
  commandTimeoutMs: z.number().int().min(10).max(10_000).default(500),
  /** Key from which the Guids and cookies kept in Redis are sealed (AES-256-GCM); the same on every instance. */
  sealSecret: z.string().min(32, 'must be at least 32 characters').optional(),
  /** An agent's lease: its owner renews it every third of this; a dead owner's lease is taken over after it. */
  leaseTtlMs: z.number().int().min(500).max(120_000).default(10_000),
  /** An instance not heard of for this long is dead: its stream slots are freed and it no longer counts. */
  instanceTtlMs: z.number().int().min(500).max(120_000).default(15_000),
});
