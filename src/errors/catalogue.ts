/**
 * The one error catalogue (contract section 4). Every failure the gateway reports is a
 * {@link GatewayError} with one of these codes; `to-http.ts` is the only place that turns it into HTTP.
 */
export const ERROR_CATALOGUE = {
  INVALID_REQUEST: { status: 400, title: 'Bad Request' },
  UNAUTHENTICATED: { status: 401, title: 'Unauthorized' },
  INSUFFICIENT_SCOPE: { status: 403, title: 'Forbidden' },
  PATH_FORBIDDEN: { status: 403, title: 'Forbidden' },
  UPSTREAM_FORBIDDEN: { status: 403, title: 'Forbidden' },
  NOT_FOUND: { status: 404, title: 'Not Found' },
  PLAYBACK_EXPIRED: { status: 404, title: 'Not Found' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method Not Allowed' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Content Too Large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported Media Type' },
  RANGE_NOT_SATISFIABLE: { status: 416, title: 'Range Not Satisfiable' },
  INVALID_AUDIO: { status: 422, title: 'Unprocessable Content' },
  RATE_LIMITED: { status: 429, title: 'Too Many Requests' },
  INTERNAL_ERROR: { status: 500, title: 'Internal Server Error' },
  UPSTREAM_ERROR: { status: 502, title: 'Bad Gateway' },
  UPSTREAM_UNAVAILABLE: { status: 503, title: 'Service Unavailable' },
  UPSTREAM_TIMEOUT: { status: 504, title: 'Gateway Timeout' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export type UpstreamService = 'ccfs' | 'ccgateway';

/** How each service is named to callers and operators. */
export const SERVICE_NAMES: Readonly<Record<UpstreamService, string>> = { ccfs: 'CC-FS', ccgateway: 'CC-Gateway' };

/** What the vendor answered, when it answered with an error. Never raw vendor text. */
export interface UpstreamDetail {
  service: UpstreamService;
  code: string;
  message: string;
}

export interface GatewayErrorOptions {
  cause?: unknown;
  upstream?: UpstreamDetail;
  /** Seconds, for 429 and 503 answers. */
  retryAfterSec?: number;
  /** Extra response headers (WWW-Authenticate). */
  headers?: Readonly<Record<string, string>>;
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly upstream: UpstreamDetail | undefined;
  readonly retryAfterSec: number | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, detail: string, options: GatewayErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.upstream = options.upstream;
    this.retryAfterSec = options.retryAfterSec;
    this.headers = options.headers ?? {};
  }
}

export const isGatewayError = (err: unknown): err is GatewayError => err instanceof GatewayError;

export const invalidRequest = (detail: string): GatewayError => new GatewayError('INVALID_REQUEST', detail);
export const pathForbidden = (detail: string): GatewayError => new GatewayError('PATH_FORBIDDEN', detail);

/** The caller went away: nothing is answered, the upstream request is aborted, and it is not an error of ours. */
export class ClientGoneError extends Error {
  constructor(cause?: unknown) {
    super('client went away', { cause });
    this.name = 'ClientGoneError';
  }
}

/**
 * The cause of an answer the vendor gave (HTTP 200) that cannot be read as what was asked: a broken
 * envelope, a file whose bytes look like one, an answer too large. The vendor answered, so it says
 * nothing of the endpoint's health, and the same request would get the same bytes: neither
 * counted against the breaker nor retried.
 */
export class UnreadableAnswer extends Error {
  constructor(cause?: unknown) {
    super('unreadable answer', cause === undefined ? undefined : { cause });
    this.name = 'UnreadableAnswer';
  }
}

/** A client that took no bytes of its answer for `ms`: ended like one that left (its business, not ours). */
export class ClientStalledError extends ClientGoneError {
  constructor(readonly ms: number) {
    super();
    this.message = `the client took no bytes for ${ms} ms`;
    this.name = 'ClientStalledError';
  }
}

/**
 * A resumed download's new vendor answer is not the file already partly sent (another length, or
 * other bytes before the cut): the client's connection is cut, never given a spliced file.
 */
export class ResumeMismatchError extends Error {
  constructor(detail: string) {
    super(`the vendor served other bytes on resume: ${detail}`);
    this.name = 'ResumeMismatchError';
  }
}
