/**
 * The application log (pino): no secret on any line. Request lines are built field by field (no
 * headers but a few harmless ones, see observe.ts), playback ids are masked in URLs, and a redact
 * list catches the rest.
 */
import pino, { type Logger, type LoggerOptions } from 'pino';
import { GatewayError } from '../errors/catalogue.js';

const REDACT_PATHS = [
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

export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
  options: { levelNames?: boolean } = {},
): Logger {
  const opts: LoggerOptions = {
    level,
    // Loki's and ELK's own parsers read a level by its name; pino's numbers stay the default.
    ...(options.levelNames ? { formatters: { level: (label: string) => ({ level: label }) } } : {}),
    base: { service: 'cc-file-gateway' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { err: errorFields },
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
  // Phone numbers are personal data: a search's number filters are masked too.
  return text
    .replace(/(playback\/+)[^?#]*/gi, '$1[redacted]')
    .replace(/([?&](?:number|callerNo|calleeNo)=)[^&#]*/gi, '$1[redacted]')
    .replace(/[A-Za-z0-9_-]{40,}/g, '[redacted]');
}

/** An error as a log line shows it: a refusal (4xx) by its code and message, anything else with its stack. */
function errorFields(err: unknown): object {
  return err instanceof GatewayError && err.status < 500
    ? { type: err.name, code: err.code, message: err.message }
    : pino.stdSerializers.err(err as Error);
}
