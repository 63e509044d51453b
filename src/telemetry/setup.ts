/**
 * OpenTelemetry, when `telemetry.otlp.endpoint` is set: the SDK's tracer provider with W3C trace
 * context, a parent-based ratio sampler, batches exported over OTLP/HTTP, and the maintained
 * instrumentations of http (the request span, trace context taken from callers), express (the
 * route), undici (each vendor call, trace context sent on) and ioredis. main.ts runs this before
 * it loads the rest of the gateway, so that every instrumented module is loaded after its hook.
 * Off, nothing here is loaded: the gateway's own spans (telemetry/spans.ts) are the API's no-ops.
 */
import { register } from 'node:module';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  type ReadableSpan,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-node';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import type { GatewayConfig } from '../config/schema.js';
import { scrubAttributes } from './scrub.js';

export interface Telemetry {
  /** Sends what is still batched, then stops. */
  shutdown(): Promise<void>;
}

/** Scrubs every span as it ends, before the batch holds it: no secret ever reaches the exporter. */
function scrubbing(inner: SpanProcessor): SpanProcessor {
  return {
    onStart: (span, ctx) => inner.onStart(span, ctx),
    onEnd(span: ReadableSpan) {
      scrubAttributes(span.attributes as Record<string, unknown>);
      inner.onEnd(span);
    },
    forceFlush: () => inner.forceFlush(),
    shutdown: () => inner.shutdown(),
  };
}

export async function startTelemetry(config: GatewayConfig['telemetry'], version: string): Promise<Telemetry> {
  const otlp = config.otlp!;
  // ESM modules are instrumented through import-in-the-middle's loader hook, registered first.
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);

  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName, 'service.version': version }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.samplingRatio) }),
    spanProcessors: [
      scrubbing(
        new BatchSpanProcessor(new OTLPTraceExporter({ url: otlp.endpoint, timeoutMillis: otlp.timeoutMs }), {
          scheduledDelayMillis: config.exportDelayMs,
        }),
      ),
    ],
  });
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        // Only the API's requests: the vendor calls are undici's spans, the exporter's own are none.
        ignoreOutgoingRequestHook: () => true,
      }),
      // Route handlers only: a span per middleware would be most of the trace and of its cost.
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER] }),
      new UndiciInstrumentation(),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  await waitForAllMessagesAcknowledged();
  return { shutdown: () => provider.shutdown() };
}
