/**
 * The gateway's own spans, where no instrumentation sees the step: authentication, each vendor
 * operation (with the vendor's result code) and a download's stream (bytes, outcome). Through the
 * OpenTelemetry API only: with no SDK registered (telemetry off) every call is the API's no-op.
 */
import { type Attributes, type Span, SpanStatusCode, trace } from '@opentelemetry/api';

const tracer = () => trace.getTracer('cc-file-gateway');

/** Runs `fn` inside a span named `name`; an error marks it and is thrown on. */
export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      const e = err as { code?: unknown; upstream?: { code?: unknown } };
      if (typeof e.code === 'string') span.setAttribute('cc.error.code', e.code);
      if (typeof e.upstream?.code === 'string') span.setAttribute('cc.vendor.result_code', e.upstream.code);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** A span that the caller ends itself (a stream ends when its pipe settles). */
export function startSpan(name: string, attributes: Attributes): Span {
  return tracer().startSpan(name, { attributes });
}
