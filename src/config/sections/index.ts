/** `index`: the call and recording index (contract 6): ingestion, the callback, storage and search limits. */
import { z } from 'zod';

const seconds = (min: number, max: number, dflt: number) => z.number().int().min(min).max(max).default(dflt);

export const indexSchema = z.strictObject({
  /** What CC-FS calls back (`{callbackBaseUrl}/callbacks/ccfs/bill/{jobId}/{token}`): must reach this gateway. */
  callbackBaseUrl: z
    .string()
    .refine((s) => {
      try {
        const u = new URL(s);
        return (u.protocol === 'https:' || u.protocol === 'http:') && !u.search && !u.hash && !u.username;
      } catch {
        return false;
      }
    }, 'must be an http(s) URL without query, fragment or credentials')
    .transform((s) => s.replace(/\/+$/, '')),
  /** Serve the callback route on a listener of its own, the only one CC-FS needs to reach. */
  callbackPort: z.number().int().min(0).max(65535).optional(),
  callbackHost: z.string().min(1).default('0.0.0.0'),
  /** The auth-v2 check on callbacks: the vendor does not document how it signs them. */
  callbackSignature: z.enum(['enforce', 'log-only', 'off']).default('log-only'),
  database: z
    .strictObject({
      /** `postgres://...`, shared by every instance; left out: the embedded database. */
      url: z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
        .optional(),
      /** Connections to PostgreSQL from this process. */
      poolSize: z.number().int().min(1).max(100).default(10),
      /** A statement slower than this fails (a search answers 503). */
      statementTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
    })
    .prefault({}),
  /** The embedded database's folder (one instance). */
  dataDir: z.string().min(1).default('./.index'),
  intervalSec: seconds(5, 86_400, 600),
  overlapSec: seconds(0, 86_400, 300),
  /** The first run of a tenant ingests this far back; earlier periods come by backfill. */
  firstWindowHours: seconds(1, 72, 24),
  /** No callback this long after queryBillData: the gateway tries the predicted file name itself. */
  callbackTimeoutSec: seconds(1, 86_400, 1800),
  /** A job that has not finished after this long is given up (logged, the window retried by the next one). */
  jobTimeoutSec: seconds(60, 7 * 86_400, 86_400),
  retentionDays: seconds(1, 3650, 90),
  maxSearchDays: seconds(1, 366, 31),
  maxBackfillDays: seconds(1, 3650, 90),
  /** How long one instance holds a tenant's ingestion before it must renew; a dead holder's passes on after it. */
  leaseSec: seconds(2, 600, 30),
  /** First wait after a failure (flow control, a zip not there yet); doubled up to the interval. */
  retryBaseSec: seconds(1, 3600, 30),
  zip: z
    .strictObject({
      maxBytes: z
        .number()
        .int()
        .min(1024)
        .default(2 * 1024 * 1024 * 1024),
      maxEntries: z.number().int().min(1).max(100_000).default(1000),
      maxEntryBytes: z
        .number()
        .int()
        .min(1024)
        .default(8 * 1024 * 1024 * 1024),
      /** Largest uncompressed / compressed ratio of an entry (a zip bomb's is in the thousands). */
      maxRatio: z.number().min(1).max(100_000).default(200),
    })
    .prefault({}),
});

/** A tenant's own index switch. */
export const tenantIndexSchema = z.strictObject({
  enabled: z.boolean().default(false),
  /** The vendor's tenant-space id, sent with queryBillData and expected back in the callback. */
  accountId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,20}$/, 'must be 1 to 20 characters of [A-Za-z0-9_-]')
    .optional(),
  /** Numbers masked to their last four digits in answers (searching by a full number still works). */
  maskNumbers: z.boolean().default(false),
  /** Send `dataType: call_record` (a legacy field some sites need, others refuse). */
  sendDataType: z.boolean().default(true),
});
