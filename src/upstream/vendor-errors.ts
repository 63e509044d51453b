/** Vendor answers turned into the contract's errors, for both services; the vendor code is always kept. */

import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { GatewayError, SERVICE_NAMES, UnreadableAnswer, type UpstreamService } from '../errors/catalogue.js';
import { CCFS_CODE_MEANINGS } from '../protocol/ccfs.js';
import { CCGW_CODE_MEANINGS, CCGW_SESSION_GONE_CODES } from '../protocol/ccgateway.js';
import { readSmall } from './body.js';
import { toUpstreamError } from './transport.js';

/** Seconds a caller should wait after the vendor's flow control refused a call. */
const FLOW_CONTROL_RETRY_SEC = 5;

/** Issue 2: CC-FS result codes mapped to the contract's errors; unknown codes are a 502 that keeps the code. */
export function ccfsResultError(code: string, operation: string): GatewayError {
  const upstream = { service: 'ccfs' as const, code, message: CCFS_CODE_MEANINGS[code] ?? 'unknown result code' };
  switch (code) {
    case '0300011':
    case '0300012':
      return new GatewayError('NOT_FOUND', 'CC-FS has no such file or call', { upstream });
    case '0300008':
    case '0300009':
      return new GatewayError('RATE_LIMITED', 'CC-FS flow control refused the call; retry later', {
        upstream,
        retryAfterSec: FLOW_CONTROL_RETRY_SEC,
      });
    default:
      if (operation === 'playVoice' && code.startsWith('0101')) {
        return new GatewayError('PLAYBACK_EXPIRED', 'the playback is no longer valid; request a new one', { upstream });
      }
      return new GatewayError('UPSTREAM_ERROR', `CC-FS ${operation} failed`, { upstream });
  }
}

export const signatureRefused = (operation: string): GatewayError =>
  new GatewayError('UPSTREAM_ERROR', `CC-FS ${operation} failed`, {
    upstream: { service: 'ccfs', code: 'HTTP 401', message: "CC-FS refused the gateway's signature" },
  });

export const upstreamHttpStatus = (service: UpstreamService, operation: string, status: number): GatewayError =>
  new GatewayError(
    status === 503 ? 'UPSTREAM_UNAVAILABLE' : 'UPSTREAM_ERROR',
    `${SERVICE_NAMES[service]} ${operation} failed`,
    {
      upstream: { service, code: `HTTP ${status}`, message: 'unexpected HTTP status' },
      ...(status === 503 ? { retryAfterSec: 5 } : {}),
    },
  );

export const malformedAnswer = (service: UpstreamService, operation: string, cause?: unknown): GatewayError =>
  new GatewayError('UPSTREAM_ERROR', `${SERVICE_NAMES[service]} ${operation} answered something unreadable`, {
    cause: new UnreadableAnswer(cause),
  });

/**
 * The error for an answer that is not HTTP 200 (both vendors send business errors with 200), its
 * body dropped unread. A CC-FS 401 is our own signature refused, an operator's problem: it is
 * logged at error level too.
 */
export function refuseNon200(
  res: { statusCode: number; body: { dump(): Promise<unknown> } },
  service: UpstreamService,
  operation: string,
  logger?: Logger,
): void {
  if (res.statusCode === 200) return;
  res.body.dump().catch(() => undefined);
  if (service === 'ccfs' && res.statusCode === 401) {
    logger?.error(
      { operation, upstreamStatus: 401 },
      'CC-FS refused the auth-v2 signature: check the tenant AK/SK, signedHost and clock',
    );
    throw signatureRefused(operation);
  }
  throw upstreamHttpStatus(service, operation, res.statusCode);
}

/** What the error says of a CC-Gateway return code: the code and its meaning, never vendor text. */
export const ccgwDetail = (code: string) => ({
  service: 'ccgateway' as const,
  code,
  message: CCGW_CODE_MEANINGS[code] ?? 'unknown return code',
});

/** Reads a small JSON answer: one too large is unreadable (502), a broken stream a transport error. */
export async function readAnswer(
  body: Readable,
  max: number,
  service: UpstreamService,
  operation: string,
  signal: AbortSignal | undefined,
): Promise<Buffer> {
  try {
    return await readSmall(body, max);
  } catch (err) {
    throw (err as { code?: string }).code === 'BODY_TOO_LARGE'
      ? malformedAnswer(service, operation, err)
      : toUpstreamError(err, service, signal);
  }
}

/** Contract 3.8 and issue 4: `104-xxx` and session codes of recordfile. */
export function recordFileError(code: string, afterRenewal: boolean): GatewayError {
  const upstream = ccgwDetail(code);
  if (code === '104-005' || code === '104-003')
    return new GatewayError('NOT_FOUND', 'CC-Gateway has no such recording', { upstream });
  if (code === '104-002' || (code === '000-003' && afterRenewal))
    return new GatewayError('UPSTREAM_FORBIDDEN', 'CC-Gateway refused the agent access to this recording', {
      upstream,
    });
  if (CCGW_SESSION_GONE_CODES.has(code))
    return new GatewayError('UPSTREAM_UNAVAILABLE', 'no CC-Gateway agent session could be had', {
      upstream,
      retryAfterSec: 5,
    });
  return new GatewayError('UPSTREAM_ERROR', 'CC-Gateway recordfile failed', { upstream });
}
