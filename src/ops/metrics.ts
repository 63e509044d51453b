/**
 * Prometheus metrics (prom-client) in a registry of the gateway's own: no global state, so two
 * gateways in one process (the tests) count apart. Labels are bounded: route templates, configured
 * tenant ids, vendor operation names, fixed outcome words; never a raw path, id or address.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export type UpstreamOutcome =
  | 'ok'
  | 'vendor_error'
  | 'timeout'
  | 'unavailable'
  | 'error'
  | 'circuit_open'
  | 'client_gone';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'route' | 'method' | 'status' | 'tenant'>;
  httpDuration: Histogram<'route' | 'method'>;
  upstreamCalls: Counter<'service' | 'operation' | 'outcome'>;
  upstreamDuration: Histogram<'service' | 'operation'>;
  bytes: Counter<'direction' | 'tenant'>;
  activeStreams: Gauge<'tenant'>;
  agentSignIns: Counter<'tenant'>;
  rateLimited: Counter<'tenant' | 'reason'>;
  rangeSkippedBytes: Counter<'tenant'>;
  circuitOpened: Counter<'upstream'>;
  authKeyFailures: Counter<'issuer' | 'reason'>;
  agentRenewals: Counter<'tenant' | 'agent'>;
  agentLeaseChanges: Counter<'tenant' | 'agent' | 'change'>;
  resumeAttempts: Counter<'route'>;
  resumeOutcomes: Counter<'route' | 'outcome'>;
  indexRows: Counter<'tenant' | 'outcome'>;
  indexJobs: Counter<'tenant' | 'outcome'>;
  indexCallbacks: Counter<'outcome'>;
  indexVendorCodes: Counter<'tenant' | 'operation' | 'code'>;
}

export interface MetricSources {
  /** Agent sessions by state, read at scrape time. */
  agentStates(): Array<{ state: string }>;
  /** Breakers by name and state, read at scrape time. */
  breakers(): Array<{ name: string; state: 'closed' | 'open' | 'half-open' }>;
  /** The shared store: undefined on the memory store. */
  store?: () => { up: boolean; liveInstances: number };
}

const PREFIX = 'cc_file_gateway_';

export function createMetrics(build: { version: string } = { version: 'unknown' }): Metrics & {
  observe(sources: MetricSources): void;
} {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  // The Prometheus convention: 1, with what is running in its labels (a rollout shows as two series).
  new Gauge({
    name: `${PREFIX}build_info`,
    help: 'Always 1: the version running and the Node.js that runs it',
    labelNames: ['version', 'node'] as const,
    registers: [registry],
    // Summed over workers it would count them; every worker runs the same build.
    aggregator: 'first',
  }).set({ version: build.version, node: process.version }, 1);
  const m = {
    registry,
    httpRequests: new Counter({
      name: `${PREFIX}http_requests_total`,
      help: 'Requests answered, by route template, method, status and tenant',
      labelNames: ['route', 'method', 'status', 'tenant'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: `${PREFIX}http_request_duration_seconds`,
      help: 'Time from request to the end of the answer',
      labelNames: ['route', 'method'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    upstreamCalls: new Counter({
      name: `${PREFIX}upstream_requests_total`,
      help: 'Vendor calls by service, operation and outcome (each attempt counted)',
      labelNames: ['service', 'operation', 'outcome'] as const,
      registers: [registry],
    }),
    upstreamDuration: new Histogram({
      name: `${PREFIX}upstream_request_duration_seconds`,
      help: "Time until the vendor's answer headers (and first bytes)",
      labelNames: ['service', 'operation'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 30],
      registers: [registry],
    }),
    bytes: new Counter({
      name: `${PREFIX}bytes_streamed_total`,
      help: 'Body bytes streamed to callers (download) and received from them (upload)',
      labelNames: ['direction', 'tenant'] as const,
      registers: [registry],
    }),
    activeStreams: new Gauge({
      name: `${PREFIX}active_streams`,
      help: 'Downloads and uploads in progress',
      labelNames: ['tenant'] as const,
      registers: [registry],
    }),
    agentSignIns: new Counter({
      name: `${PREFIX}agent_sign_ins_total`,
      help: 'Successful CC-Gateway agent sign-ins',
      labelNames: ['tenant'] as const,
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: `${PREFIX}rate_limited_total`,
      help: 'Requests answered 429, by tenant and reason (rate, concurrency, vendor)',
      labelNames: ['tenant', 'reason'] as const,
      registers: [registry],
    }),
    rangeSkippedBytes: new Counter({
      name: `${PREFIX}playback_range_skipped_bytes_total`,
      help: "Bytes a playback URL's ranges made the gateway read (and decode) and drop, by the link's tenant",
      labelNames: ['tenant'] as const,
      registers: [registry],
    }),
    circuitOpened: new Counter({
      name: `${PREFIX}circuit_opened_total`,
      help: 'Times a circuit breaker opened',
      labelNames: ['upstream'] as const,
      registers: [registry],
    }),
    authKeyFailures: new Counter({
      name: `${PREFIX}auth_key_failures_total`,
      help: 'Tokens refused because their key could not be had, by issuer and cause (unknown_kid, timeout, unreachable, tls, http_status, bad_response)',
      labelNames: ['issuer', 'reason'] as const,
      registers: [registry],
    }),
    agentRenewals: new Counter({
      name: `${PREFIX}agent_session_renewals_total`,
      help: 'Sign-ins that replaced a lost CC-Gateway session, by tenant and configured agent',
      labelNames: ['tenant', 'agent'] as const,
      registers: [registry],
    }),
    agentLeaseChanges: new Counter({
      name: `${PREFIX}agent_lease_changes_total`,
      help: "This instance's agent lease changes (acquired, lost, released), by tenant and configured agent",
      labelNames: ['tenant', 'agent', 'change'] as const,
      registers: [registry],
    }),
    resumeAttempts: new Counter({
      name: `${PREFIX}download_resume_attempts_total`,
      help: 'Times a download the vendor cut was asked for again, by route template',
      labelNames: ['route'] as const,
      registers: [registry],
    }),
    resumeOutcomes: new Counter({
      name: `${PREFIX}download_resumes_total`,
      help: 'What resume attempts came to: resumed (the prefix matched), mismatch (other bytes: the download was cut), failed (the vendor failed again)',
      labelNames: ['route', 'outcome'] as const,
      registers: [registry],
    }),
    indexRows: new Counter({
      name: `${PREFIX}index_rows_total`,
      help: 'Index rows read from bill files: stored (visible), hidden (outside the tenant VDNs or recordings rule: stored, never shown) or skipped (not a row)',
      labelNames: ['tenant', 'outcome'] as const,
      registers: [registry],
    }),
    indexJobs: new Counter({
      name: `${PREFIX}index_jobs_total`,
      help: 'Ingestion job steps by outcome (requested, ingested, retry, refused_zip, failed, paused)',
      labelNames: ['tenant', 'outcome'] as const,
      registers: [registry],
    }),
    indexCallbacks: new Counter({
      name: `${PREFIX}index_callbacks_total`,
      help: 'Vendor callbacks by outcome (accepted, repeat, unknown, bad_content, bad_signature, too_large)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    indexVendorCodes: new Counter({
      name: `${PREFIX}index_vendor_codes_total`,
      help: 'Vendor result codes other than success seen by ingestion',
      labelNames: ['tenant', 'operation', 'code'] as const,
      registers: [registry],
    }),
  };
  return {
    ...m,
    observe(sources) {
      new Gauge({
        name: `${PREFIX}agent_sessions`,
        help: 'CC-Gateway agent sessions by state',
        labelNames: ['state'] as const,
        registers: [registry],
        collect() {
          this.reset();
          for (const a of sources.agentStates()) this.inc({ state: a.state });
        },
      });
      new Gauge({
        name: `${PREFIX}circuit_state`,
        help: 'Circuit breakers: 0 closed, 1 half-open, 2 open',
        labelNames: ['upstream'] as const,
        registers: [registry],
        aggregator: 'max',
        collect() {
          this.reset();
          for (const b of sources.breakers())
            this.set({ upstream: b.name }, b.state === 'open' ? 2 : b.state === 'half-open' ? 1 : 0);
        },
      });
      const store = sources.store;
      if (!store) return;
      new Gauge({
        name: `${PREFIX}store_up`,
        help: 'Whether the shared store (Redis) answered the last command: 1 or 0',
        registers: [registry],
        aggregator: 'min',
        collect() {
          this.set(store().up ? 1 : 0);
        },
      });
      new Gauge({
        name: `${PREFIX}store_live_instances`,
        help: 'Gateway instances registered in the shared store at the last heartbeat',
        registers: [registry],
        aggregator: 'max',
        collect() {
          this.set(store().liveInstances);
        },
      });
    },
  };
}
