/** `telemetry`: OpenTelemetry traces, exported over OTLP/HTTP; off unless an endpoint is set. */
import { z } from 'zod';

export const telemetrySchema = z.strictObject({
  otlp: z
    .strictObject({
      /** The collector's traces URL, e.g. `http://otel-collector:4318/v1/traces`. */
      endpoint: z.string().refine((s) => {
        try {
          const u = new URL(s);
          return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password;
        } catch {
          return false;
        }
      }, 'must be an http(s) URL without credentials'),
      timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
    })
    .optional(),
  /** Share of new traces recorded (0 to 1); a caller's sampled `traceparent` is followed either way. */
  samplingRatio: z.number().min(0).max(1).default(1),
  serviceName: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/)
    .default('cc-file-gateway'),
  /** Spans wait at most this long before they are sent, in batches. */
  exportDelayMs: z.number().int().min(10).max(60_000).default(5000),
});
