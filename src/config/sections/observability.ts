/** `logging`, `audit` and `metrics`: what the gateway tells its operators. */
import { z } from 'zod';

export const loggingSchema = z
  .strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Paths (no query) whose requests get no log line: the probes' `/healthz` and `/readyz`, say. Metrics still count them. */
    ignorePaths: z.array(z.string().regex(/^\//, 'must start with /')).max(32).default([]),
    /** `"level":"info"` instead of pino's `"level":30`. */
    levelNames: z.boolean().default(false),
  })
  .prefault({});
/** One JSON line per access to a recording or file: `stdout`, `stderr`, `off` or a file path. */
export const auditSchema = z.strictObject({ destination: z.string().min(1).default('stderr') }).prefault({});
/** Prometheus text at GET /metrics; with `port`, on a listener of its own instead of the API's. */
export const metricsSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    port: z.number().int().min(0).max(65535).optional(),
    host: z.string().default('127.0.0.1'),
  })
  .prefault({});
