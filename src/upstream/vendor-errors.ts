/** Vendor answers turned into the contract's errors, for both services; the vendor code is always kept. */
import { CCFS_CODE_MEANINGS } from '../protocol/ccfs.js';
import { CCGW_CODE_MEANINGS, CCGW_SESSION_GONE_CODES } from '../protocol/ccgateway.js';
import { GatewayError } from '../errors/catalogue.js';

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

export const upstreamHttpStatus = (service: 'ccfs' | 'ccgateway', operation: string, status: number): GatewayError =>
  new GatewayError(
    status === 503 ? 'UPSTREAM_UNAVAILABLE' : 'UPSTREAM_ERROR',
    `${service === 'ccfs' ? 'CC-FS' : 'CC-Gateway'} ${operation} failed`,
    {
      upstream: { service, code: `HTTP ${status}`, message: 'unexpected HTTP status' },
      ...(status === 503 ? { retryAfterSec: 5 } : {}),
    },
  );

export const malformedAnswer = (service: 'ccfs' | 'ccgateway', operation: string, cause?: unknown): GatewayError =>
  new GatewayError(
    'UPSTREAM_ERROR',
    `${service === 'ccfs' ? 'CC-FS' : 'CC-Gateway'} ${operation} answered something unreadable`,
    { cause },
  );

/** Contract 3.8 and issue 4: `104-xxx` and session codes of recordfile. */
export function recordFileError(code: string, afterRenewal: boolean): GatewayError {
  const upstream = { service: 'ccgateway' as const, code, message: CCGW_CODE_MEANINGS[code] ?? 'unknown return code' };
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
