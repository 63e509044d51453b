/** `server`: the API listener, its timeouts and limits, shutdown, workers and the playback secret. */
import { z } from 'zod';
import { ms } from './fields.js';

export const serverSchema = z.strictObject({
  host: z.string().default('0.0.0.0'),
  port: z.number().int().min(0).max(65535).default(8080),
  trustProxy: z.union([z.boolean(), z.number().int().min(0), z.string()]).default(false),
  /**
   * Drain, grace and the sign-out margin (3 s) add up to 28 s: inside Kubernetes' default 30 s
   * termination grace. Raise them only with the platform's stop timeout (see the README's Deploy).
   */
  shutdownGraceMs: ms(20000),
  /** On shutdown, /readyz answers 503 this long before the listener closes, so load balancers look elsewhere first. */
  drainDelayMs: z.number().int().min(0).max(600_000).default(5000),
  /** Worker processes sharing the port (`node:cluster`): `auto` is one per core. Needs `store.type: redis` above 1. */
  workers: z.union([z.literal('auto'), z.number().int().min(1).max(256)]).default(1),
  cors: z
    .strictObject({
      allowedOrigins: z
        .array(z.string().regex(/^https?:\/\/[^/]+$/, 'must be an origin: scheme://host[:port]'))
        .default([]),
    })
    .prefault({}),
  /** Time allowed to receive a request's headers (slowloris guard). */
  headersTimeoutMs: ms(10000),
  /** Time allowed to receive a whole request, body included. */
  requestTimeoutMs: ms(60000),
  keepAliveTimeoutMs: ms(5000),
  maxHeaderBytes: z.number().int().min(1024).max(65536).default(16384),
  /** Key from which playback ids are sealed (AES-256-GCM); share it across instances. */
  playbackSecret: z.string().min(32, 'must be at least 32 characters'),
  /** Where uploads are spooled while they are checked and encoded (default: the OS temp dir). */
  spoolDir: z.string().min(1).optional(),
  /** Largest JSON request body. */
  jsonBodyMaxBytes: z
    .number()
    .int()
    .min(1024)
    .max(16 * 1024 * 1024)
    .default(64 * 1024),
  /**
   * Open connections one peer address may hold (0: no cap); past it, new ones are closed as they
   * are accepted. Behind a proxy the proxy is that address: allow for its connection pool.
   */
  maxConnectionsPerAddress: z.number().int().min(0).max(1_000_000).default(512),
  /** Longest request URL (path and query); longer is 400 before any other work. */
  maxUrlBytes: z.number().int().min(256).max(65536).default(8192),
});
