/**
 * The simulator's own auth-v2 verifier, written apart from the product's signer (cc-protocol 1.4):
 * it rebuilds the canonical request from what actually arrived on the wire (method, raw path,
 * query, the named headers, the body bytes) and compares in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const HEX = '0123456789ABCDEF';

function isUnreserved(b: number): boolean {
  return (
    (b >= 0x30 && b <= 0x39) ||
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x61 && b <= 0x7a) ||
    b === 0x2d ||
    b === 0x2e ||
    b === 0x5f ||
    b === 0x7e
  );
}

/** Byte-by-byte encoding of UTF-8 bytes, in runs, so multi-megabyte bodies stay quick. */
function vendorEncode(input: string | Buffer): string {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const parts: string[] = [];
  let runStart = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (isUnreserved(b)) continue;
    if (i > runStart) parts.push(bytes.toString('latin1', runStart, i));
    parts.push(`%${HEX[b >> 4]}${HEX[b & 15]}`);
    runStart = i + 1;
  }
  if (runStart < bytes.length) parts.push(bytes.toString('latin1', runStart));
  return parts.join('');
}

export interface VerifyOptions {
  secretFor(ak: string): string | undefined;
  nowMs: number;
  /** Largest distance allowed between the signed timestamp and the server clock. */
  skewMs: number;
  /** Headers that must be among the signed ones. */
  required: readonly string[];
}

export type VerifyResult = { ok: true; ak: string } | { ok: false; reason: string; ak?: string };

const TS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{3}))?Z$/;

function parseTimestamp(ts: string): number | undefined {
  const m = TS.exec(ts);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, ms] = m;
  const t = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!, ms ? +ms : 0);
  return Number.isNaN(t) ? undefined : t;
}

export function verifyAuthV2(req: IncomingMessage, body: Buffer, opts: VerifyOptions): VerifyResult {
  const header = req.headers.authorization;
  if (!header) return { ok: false, reason: 'no Authorization header' };
  const parts = header.split('/');
  if (parts.length !== 5 || parts[0] !== 'auth-v2')
    return { ok: false, reason: 'Authorization is not auth-v2/{ak}/{ts}/{headers}/{signature}' };
  const [, ak, ts, signedList, sig] = parts as [string, string, string, string, string];
  const sk = opts.secretFor(ak);
  if (sk === undefined) return { ok: false, reason: 'unknown access key' };
  const at = parseTimestamp(ts);
  if (at === undefined) return { ok: false, reason: 'bad timestamp', ak };
  if (Math.abs(opts.nowMs - at) > opts.skewMs) return { ok: false, reason: 'timestamp outside the allowed window', ak };
  if (!/^[0-9a-f]{64}$/.test(sig)) return { ok: false, reason: 'signature is not 64 lower-case hex digits', ak };

  const names = signedList.split(';');
  const sorted = [...names].sort();
  if (names.some((n, i) => n !== sorted[i] || n === '' || n !== n.toLowerCase()))
    return { ok: false, reason: 'signed header list is not sorted lower-case names', ak };
  for (const r of opts.required) if (!names.includes(r)) return { ok: false, reason: `header ${r} is not signed`, ak };
  const lines: string[] = [];
  for (const name of names) {
    const v = req.headers[name];
    if (typeof v !== 'string') return { ok: false, reason: `signed header ${name} is missing`, ak };
    lines.push(`${vendorEncode(name)}:${vendorEncode(v.trim())}`);
  }
  lines.sort();

  const expected = computeSignature(req.method ?? '', req.url ?? '/', signedList, lines, body, ak, ts, sk);
  if (expected === undefined) return { ok: false, reason: 'duplicate query parameter', ak };
  const given = Buffer.from(sig, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? { ok: true, ak }
    : { ok: false, reason: 'signature mismatch', ak };
}

/** The signature of a request as it goes on the wire: the canonical request over its raw path, query and named headers. */
function computeSignature(
  method: string,
  rawUrl: string,
  signedList: string,
  headerLines: string[],
  body: Buffer,
  ak: string,
  ts: string,
  sk: string,
): Buffer | undefined {
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  let queryLine: string | undefined;
  if (q >= 0 && q < rawUrl.length - 1) {
    const params = new URLSearchParams(rawUrl.slice(q + 1));
    const keys = [...params.keys()];
    if (new Set(keys).size !== keys.length) return undefined;
    queryLine = [...params.entries()]
      .map(([k, v]) => `${vendorEncode(k)}=${vendorEncode(v)}`)
      .sort()
      .join('&');
  }
  const canonical =
    [method, path, ...(queryLine !== undefined ? [queryLine] : []), signedList, headerLines.join('\n')].join('\n') +
    '\n' +
    (body.length ? vendorEncode(body) : '');
  const prefix = `auth-v2/${ak}/${ts}/${signedList}`;
  const key = createHmac('sha256', Buffer.from(sk, 'utf8')).update(Buffer.from(prefix, 'utf8')).digest('hex');
  return createHmac('sha256', Buffer.from(key, 'ascii')).update(Buffer.from(canonical, 'latin1')).digest();
}

/**
 * How the simulator signs what it sends (the bill callback): auth-v2 with the account's AK/SK
 * over the request as it will go (cdr-index 3.2, the most plausible reading).
 */
export function signAuthV2(opts: {
  method: string;
  rawUrl: string;
  headers: Record<string, string>;
  body: Buffer;
  ak: string;
  sk: string;
  atMs: number;
}): string {
  const names = Object.keys(opts.headers)
    .map((n) => n.toLowerCase())
    .sort();
  const signedList = names.join(';');
  const lines = names.map((n) => `${vendorEncode(n)}:${vendorEncode(String(opts.headers[n] ?? '').trim())}`).sort();
  const ts = new Date(opts.atMs).toISOString();
  const sig = computeSignature(opts.method, opts.rawUrl, signedList, lines, opts.body, opts.ak, ts, opts.sk)!;
  return `auth-v2/${opts.ak}/${ts}/${signedList}/${sig.toString('hex')}`;
}
