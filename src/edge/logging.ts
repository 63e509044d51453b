/**
 * pino-http with a request id on every line, 5xx at error and 4xx at info, and no secret on any
 * line: requests are serialised field by field (no headers but a few harmless ones), playback ids
 * are masked in URLs, and a redact list catches the rest.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp, type Options } from 'pino-http';
import pino, { type Logger, type LoggerOptions } from 'pino';
import { ClientGoneError, GatewayError } from '../errors/catalogue.js';
import { scopeOf } from '../http/scope.js';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.guid',
  'headers.cookie',
  'headers["set-cookie"]',
  'headers["set-guid"]',
  '*.authorization',
  '*.Authorization',
  '*.ak',
  '*.sk',
  '*.password',
  '*.secret',
  '*.guid',
  '*.token',
  '*.cookie',
  'ak',
  'sk',
  'password',
  'secret',
  'guid',
  'token',
  'cookie',
  'authorization',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const opts: LoggerOptions = {
    level,
    base: { service: 'cc-file-gateway' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(opts, destination) : pino(opts);
}

/** Playback ids are credentials (contract 3.4): never in a log line. */
export function safeUrl(url: string): string {
  let text = url;
  try {
    text = decodeURIComponent(url);
  } catch {
    /* malformed escapes: mask the raw form */
  }
  // However it is spelled (case, escapes, extra slashes): whatever follows "playback/", and any run
  // long enough to be a sealed id, is masked.
  return text.replace(/(playback\/+)[^?#]*/gi, '$1[redacted]').replace(/[A-Za-z0-9_-]{40,}/g, '[redacted]');
}

const scopeOfRaw = (res: ServerResponse) => scopeOf(res as ServerResponse & { locals?: Record<string, unknown> });

export function createHttpLogger(logger: Logger) {
  const options: Options = {
    logger,
    genReqId: (_req, res) => scopeOfRaw(res)?.requestId ?? 'unknown',
    customAttributeKeys: { reqId: 'requestId' },
    quietReqLogger: true,
    wrapSerializers: false,
    serializers: {
      req: (req: IncomingMessage & { originalUrl?: string }) => ({
        method: req.method,
        url: safeUrl(req.originalUrl ?? req.url ?? ''),
        remoteAddress: req.socket?.remoteAddress,
        userAgent: req.headers['user-agent'],
      }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode, contentLength: res.getHeader('content-length') }),
      // A refusal (4xx) is the caller's doing: its message is enough, a stack trace is noise.
      err: (err: unknown) =>
        err instanceof GatewayError && err.status < 500
          ? { type: err.name, code: err.code, message: err.message }
          : pino.stdSerializers.err(err as Error),
    },
    // Called at the start (nothing known yet: no child logger is made) and at the end of a request.
    // The route is Express' matched template, never the raw path.
    customProps: (req, res) => {
      const principal = scopeOfRaw(res)?.principal;
      const route = (req as IncomingMessage & { route?: { path?: string } }).route?.path;
      if (!principal && !route) return undefined as unknown as object;
      return principal ? { tenant: principal.tenantId, sub: principal.subject, route } : { route };
    },
    customLogLevel: (_req, res, err) => {
      const streamError = scopeOfRaw(res)?.streamError;
      if (streamError instanceof ClientGoneError) return 'info';
      if (res.statusCode >= 500 || (err && !(err instanceof ClientGoneError)) || streamError) return 'error';
      return 'info';
    },
    customSuccessMessage: (req, res) => `${req.method} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${res.statusCode} failed`,
  };
  return pinoHttp(options);
}
