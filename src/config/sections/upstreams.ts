/** `upstreams`: the CC-FS and CC-Gateway connection pools; a tenant may override any field. */
import { z } from 'zod';
import { type DeepPartial, httpUrl, ms, overrideOf } from './fields.js';

/** Everything that shapes one vendor connection pool; a tenant may override any of it. */
const upstreamFields = {
  baseUrl: httpUrl,
  /** The Host value sent and signed, when it must differ from the baseUrl's host:port. */
  signedHost: z
    .string()
    .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-fA-F:.]+\](:\d{1,5})?$/, 'must be host[:port]')
    .optional(),
  caFile: z.string().min(1).optional(),
  connectTimeoutMs: ms(3000),
  headersTimeoutMs: ms(15000),
  /** Longest silence allowed inside a streaming body. */
  idleTimeoutMs: ms(30000),
  connections: z.number().int().min(1).max(4096).default(64),
  /** The share of `connections` one tenant may hold at once (0.5: half the pool). */
  maxTenantShare: z.number().gt(0).max(1).default(0.5),
  /** Longest a request waits for a free connection; then 503 with Retry-After. */
  queueTimeoutMs: z.number().int().min(1).max(60_000).default(2000),
  /** Idle keep-alive sockets are closed after this; keep it below the vendor's own idle timeout. */
  keepAliveTimeoutMs: ms(4000),
  /** Extra attempts for a read that failed before any byte reached the client (uploads: never). */
  retries: z.number().int().min(0).max(5).default(2),
  retryBaseMs: z.number().int().min(1).max(10_000).default(100),
  breaker: z
    .strictObject({
      errorThresholdPercentage: z.number().min(1).max(100).default(50),
      volumeThreshold: z.number().int().min(1).default(10),
      resetTimeoutMs: ms(10_000),
      rollingWindowMs: ms(10_000),
    })
    .prefault({}),
};
export const upstreamSchema = z.strictObject(upstreamFields);
/** CC-Gateway adds the agent session loop (cc-protocol 2.3). */
export const ccgatewaySchema = z.strictObject({
  ...upstreamFields,
  /** Pause between two event polls (the vendor asks for 200-500 ms). */
  pollIntervalMs: z.number().int().min(0).max(60_000).default(300),
  /** Longest a poll may take: above the vendor's long-poll wait (about 10 s). */
  pollTimeoutMs: ms(30_000),
  /** Longest a sign-in or sign-out may take. */
  signInTimeoutMs: ms(10_000),
  /** After the vendor refused a sign-in, requests get 503 at once for this long (no password hammering). */
  signInRetryAfterMs: ms(15_000),
});

export type UpstreamOverride = DeepPartial<z.output<typeof ccgatewaySchema>>;
export const upstreamOverrideSchema = overrideOf(ccgatewaySchema) as unknown as z.ZodType<UpstreamOverride>;
export const ccfsOverrideSchema = overrideOf(upstreamSchema) as unknown as z.ZodType<
  DeepPartial<z.output<typeof upstreamSchema>>
>;

export function mergeUpstream<C extends z.output<typeof upstreamSchema>>(
  base: C,
  override: UpstreamOverride | undefined,
): C {
  const defined = Object.fromEntries(Object.entries(override ?? {}).filter(([, v]) => v !== undefined));
  return { ...base, ...defined, breaker: { ...base.breaker, ...override?.breaker } };
}

export const upstreamsSchema = z.strictObject({ ccfs: upstreamSchema, ccgateway: ccgatewaySchema.optional() });
