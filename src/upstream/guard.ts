/**
 * What stands between a route and a vendor that misbehaves: a circuit breaker (opossum) per
 * upstream endpoint, and per tenant credentials where those are what fails; bounded retries with
 * jitter for reads whose failure came before any byte reached the client; and the upstream metrics.
 */
import type { Span } from '@opentelemetry/api';
import CircuitBreaker from 'opossum';
import type { Logger } from 'pino';
import {
  ClientGoneError,
  GatewayError,
  SERVICE_NAMES,
  UnreadableAnswer,
  type UpstreamService,
} from '../errors/catalogue.js';
import { isTlsFailure } from '../errors/tls-failure.js';
import type { Metrics, UpstreamOutcome } from '../ops/metrics.js';
import { inSpan } from '../telemetry/spans.js';
import { sleep as realSleep, type Sleep } from './sleep.js';
import { isQueueTimeout } from './slots.js';

export interface GuardConfig {
  /** Extra attempts for a read that failed before answering (0: none). */
  retries: number;
  /** First retry delay; doubled each time, with jitter. */
  retryBaseMs: number;
  breaker: {
    /** Share of failing calls in the rolling window that opens the circuit. */
    errorThresholdPercentage: number;
    /** Calls needed in the window before the circuit may open. */
    volumeThreshold: number;
    /** Time open before one trial call is let through (half-open). */
    resetTimeoutMs: number;
    rollingWindowMs: number;
  };
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface Guard {
  readonly name: string;
  state(): BreakerState;
  /** Runs `attempt` through the breaker, again up to `retries` times when `retry` and the failure is transient. */
  run<T>(operation: string, attempt: () => Promise<T>, opts?: { retry?: boolean; signal?: AbortSignal }): Promise<T>;
  shutdown(): void;
}

/**
 * Worth another try for a read: the connection failed, was reset, the answer was unreadable, or
 * the vendor answered 5xx. Not a timeout (the vendor is slow, not broken: a retry would multiply
 * the caller's wait and the vendor's load) and never a vendor business code.
 */
function isTransient(err: unknown): boolean {
  if (!(err instanceof GatewayError) || isTlsFailure(err.cause) || isQueueTimeout(err)) return false;
  if (err.code !== 'UPSTREAM_UNAVAILABLE' && err.code !== 'UPSTREAM_ERROR') return false;
  return !err.upstream || /^HTTP 5/.test(err.upstream.code);
}

/** An answer that came whole but cannot be read as what was asked: it may be what the caller asked for. */
const isUnreadable = (err: unknown): boolean => err instanceof GatewayError && err.cause instanceof UnreadableAnswer;

/**
 * What counts against the breaker every tenant of an endpoint shares: transport failures, 5xx and
 * timeouts. Never what one caller's request caused (a vendor business code, an unreadable answer,
 * which a file's own bytes can make): one tenant must not be able to open it for all.
 */
export const isVendorFailure = (err: unknown): boolean =>
  (isTransient(err) && !isUnreadable(err)) || (err instanceof GatewayError && err.code === 'UPSTREAM_TIMEOUT');

/**
 * What counts against a tenant's own breaker: its credentials refused (it stops hammering with
 * them), and the unreadable answers its requests got (only that tenant waits them out).
 */
export const isTenantFailure = (err: unknown): boolean =>
  (err instanceof GatewayError && err.upstream?.code === 'HTTP 401') || isUnreadable(err);

function outcomeOf(err: unknown): UpstreamOutcome {
  if (err instanceof ClientGoneError) return 'client_gone';
  if (err instanceof GatewayError) {
    if (err.code === 'UPSTREAM_TIMEOUT') return 'timeout';
    if (err.code === 'UPSTREAM_UNAVAILABLE' && !err.upstream) return 'unavailable';
    if (err.upstream && !/^HTTP /.test(err.upstream.code)) return 'vendor_error';
  }
  return 'error';
}

export interface GuardDeps {
  name: string;
  service: UpstreamService;
  config: GuardConfig;
  /** Which failures count against the breaker. */
  counts: (err: unknown) => boolean;
  logger: Logger;
  metrics?: Metrics;
  /** False for a guard wrapped around another that already counts the calls. */
  countCalls?: boolean;
  /** The pause between retries, and the jitter's source; tests pass their own. */
  sleep?: Sleep;
  random?: () => number;
}

export function createGuard({
  name,
  service,
  config,
  counts,
  logger,
  metrics,
  countCalls = true,
  sleep = realSleep,
  random = Math.random,
}: GuardDeps): Guard {
  const breaker = new CircuitBreaker((attempt: () => Promise<unknown>) => attempt(), {
    name,
    timeout: false,
    resetTimeout: config.breaker.resetTimeoutMs,
    errorThresholdPercentage: config.breaker.errorThresholdPercentage,
    volumeThreshold: config.breaker.volumeThreshold,
    rollingCountTimeout: config.breaker.rollingWindowMs,
    rollingCountBuckets: 10,
    // True means "not a failure": vendor business errors and clients going away say nothing of its health.
    errorFilter: (err: unknown) => !counts(err),
  });
  breaker.on('open', () => {
    metrics?.circuitOpened.inc({ upstream: name });
    logger.warn({ upstream: name }, 'circuit opened: calls fail fast until a trial call succeeds');
  });
  breaker.on('close', () => logger.info({ upstream: name }, 'circuit closed'));
  const serviceName = SERVICE_NAMES[service];

  const calls = countCalls ? metrics : undefined;
  async function once<T>(operation: string, attempt: () => Promise<T>): Promise<T> {
    const end = calls?.upstreamDuration.startTimer({ service, operation });
    try {
      const value = (await breaker.fire(attempt)) as T;
      end?.();
      calls?.upstreamCalls.inc({ service, operation, outcome: 'ok' });
      return value;
    } catch (err) {
      if ((err as { code?: string }).code === 'EOPENBREAKER') {
        calls?.upstreamCalls.inc({ service, operation, outcome: 'circuit_open' });
        throw new GatewayError(
          'UPSTREAM_UNAVAILABLE',
          `${serviceName} is failing: calls are suspended for a while (circuit open)`,
          { cause: err, retryAfterSec: config.breaker.resetTimeoutMs / 1000 },
        );
      }
      end?.();
      calls?.upstreamCalls.inc({ service, operation, outcome: outcomeOf(err) });
      throw err;
    }
  }

  return {
    name,
    state: () => (breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed'),
    run(operation, attempt, opts = {}) {
      // One span per vendor operation, retries included: the undici spans of each try are its children.
      return inSpan(`${service} ${operation}`, { 'cc.vendor': service, 'cc.operation': operation }, (span) =>
        withRetries(operation, attempt, opts, span),
      );
    },
    shutdown: () => breaker.shutdown(),
  };

  async function withRetries<T>(
    operation: string,
    attempt: () => Promise<T>,
    opts: { retry?: boolean; signal?: AbortSignal },
    span: Span,
  ): Promise<T> {
    const tries = opts.retry ? 1 + config.retries : 1;
    for (let i = 1; ; i += 1) {
      span.setAttribute('cc.attempts', i);
      try {
        return await once(operation, attempt);
      } catch (err) {
        const open =
          err instanceof GatewayError && (err.cause as { code?: string } | undefined)?.code === 'EOPENBREAKER';
        if (i >= tries || open || !isTransient(err) || opts.signal?.aborted) throw err;
        logger.debug({ upstream: name, operation, attempt: i }, 'retrying a read after a transient failure');
        await sleep(config.retryBaseMs * 2 ** (i - 1) * (0.5 + random() / 2), opts.signal);
      }
    }
  }
}
