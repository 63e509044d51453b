import { ERROR_CATALOGUE, GatewayError, isGatewayError, type UpstreamDetail } from './catalogue.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemBody {
  type: 'about:blank';
  title: string;
  status: number;
  code: string;
  detail: string;
  requestId: string;
  upstream?: UpstreamDetail;
}

export interface HttpProblem {
  status: number;
  headers: Record<string, string>;
  body: ProblemBody;
  /** The GatewayError the input became, for logging. */
  error: GatewayError;
}

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
}

/** Errors raised by Express' body parsers and by Node's HTTP layer, translated at the edge. */
function fromForeign(err: unknown): GatewayError {
  // The router could not decode a path parameter. Its message quotes the raw value (it may be a
  // playback id), so neither it nor the error is kept.
  if (err instanceof URIError)
    return new GatewayError(
      'INVALID_REQUEST',
      'the path holds an escape that does not decode (a % not followed by two hex digits, or bytes that are not UTF-8)',
    );
  const e = (typeof err === 'object' && err !== null ? err : {}) as BodyParserError;
  switch (e.type) {
    case 'entity.too.large':
      return new GatewayError('PAYLOAD_TOO_LARGE', 'request body is larger than allowed', { cause: err });
    case 'entity.parse.failed':
      return new GatewayError('INVALID_REQUEST', 'request body is not valid JSON', { cause: err });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new GatewayError('UNSUPPORTED_MEDIA_TYPE', 'unsupported body encoding', { cause: err });
    case 'request.size.invalid':
      return new GatewayError('INVALID_REQUEST', 'request body does not match its Content-Length', { cause: err });
    case 'request.aborted':
      return new GatewayError('INVALID_REQUEST', 'request body was not received in full', { cause: err });
    default:
      return new GatewayError('INTERNAL_ERROR', 'internal error', { cause: err });
  }
}

/** The only mapping from any thrown value to an HTTP problem+json answer (contract section 4). */
export function toHttpProblem(err: unknown, requestId: string): HttpProblem {
  const error = isGatewayError(err) ? err : fromForeign(err);
  const entry = ERROR_CATALOGUE[error.code];
  const headers: Record<string, string> = { ...error.headers };
  if (error.retryAfterSec !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterSec)));
  const body: ProblemBody = {
    type: 'about:blank',
    title: entry.title,
    status: entry.status,
    code: error.code,
    detail: error.message,
    requestId,
  };
  if (error.upstream) body.upstream = error.upstream;
  return { status: entry.status, headers, body, error };
}
