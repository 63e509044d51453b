/**
 * The C2 "auth-v2" AK/SK request signature (cc-protocol 1.4), as pure staged functions:
 * canonical request -> signing key -> signature -> Authorization. Time is an argument.
 */
import { createHmac, type Hmac } from 'node:crypto';

export interface SignableRequest {
  ak: string;
  /** `yyyy-MM-ddTHH:mm:ss.SSSZ` (or the older seconds form); used verbatim. */
  timestamp: string;
  method: string;
  /** Path without query, exactly as sent. */
  path: string;
  /** Decoded query parameters. */
  query?: Readonly<Record<string, string>>;
  /** The headers to sign, `host` among them; values exactly as sent. */
  headers: Readonly<Record<string, string>>;
  /** The exact body text that is sent; empty or absent for none. */
  body?: string;
}

/** cc-protocol 1.3: RFC 3986 unreserved bytes kept, every other UTF-8 byte as upper-case `%XX`. */
export function percentEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** ISO-8601 UTC with milliseconds, the form the current vendor page shows (cc-protocol 5.1). */
export function formatTimestamp(atMs: number): string {
  return new Date(atMs).toISOString();
}

export function signedHeaderList(headers: Readonly<Record<string, string>>): string {
  return Object.keys(headers)
    .map((n) => n.toLowerCase())
    .sort()
    .join(';');
}

export function authStringPrefix(ak: string, timestamp: string, signedHeaders: string): string {
  return `auth-v2/${ak}/${timestamp}/${signedHeaders}`;
}

/** Everything of the canonical request up to and including the `\n` that precedes the body. */
function canonicalHead(req: SignableRequest): string {
  const lines = [req.method.toUpperCase(), req.path];
  const q = Object.entries(req.query ?? {});
  if (q.length > 0)
    lines.push(
      q
        .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
        .sort()
        .join('&'),
    );
  lines.push(signedHeaderList(req.headers));
  lines.push(
    Object.entries(req.headers)
      .map(([n, v]) => `${percentEncode(n.toLowerCase())}:${percentEncode(v.trim())}`)
      .sort()
      .join('\n'),
  );
  return `${lines.join('\n')}\n`;
}

export function canonicalRequest(req: SignableRequest): string {
  return canonicalHead(req) + (req.body ? percentEncode(req.body) : '');
}

export function signingKey(sk: string, prefix: string): string {
  return createHmac('sha256', sk).update(prefix, 'utf8').digest('hex');
}

export function signature(key: string, canonical: string): string {
  return createHmac('sha256', key).update(canonical, 'utf8').digest('hex');
}

export function authorization(req: SignableRequest, sk: string): string {
  const prefix = authStringPrefix(req.ak, req.timestamp, signedHeaderList(req.headers));
  return `${prefix}/${signature(signingKey(sk, prefix), canonicalRequest(req))}`;
}

/**
 * For a body too large to hold as one string: feed it in pieces, in order, then `finish()`.
 * Percent-encoding is byte-wise, so encoding the pieces one by one gives the one-shot result
 * as long as no piece splits a multi-byte character (ASCII bodies such as base64 JSON never do).
 */
export interface StreamingSigner {
  update(bodyPiece: string): void;
  finish(): string;
}

export function createStreamingSigner(req: Omit<SignableRequest, 'body'>, sk: string): StreamingSigner {
  const prefix = authStringPrefix(req.ak, req.timestamp, signedHeaderList(req.headers));
  const mac: Hmac = createHmac('sha256', signingKey(sk, prefix)).update(canonicalHead(req), 'utf8');
  return {
    update: (piece) => void mac.update(percentEncode(piece), 'utf8'),
    finish: () => `${prefix}/${mac.digest('hex')}`,
  };
}
