/**
 * One issuer's JSON Web Key Set: fetched whole, cached whole, refreshed after `maxAgeMs` (in the
 * background, while the cached set still serves), and kept while fetches fail for up to `maxStaleMs`. A `kid` not in the cached set triggers at most one
 * fetch per cooldown, shared by every request that waits for it, so a flood of forged `kid`s
 * costs one fetch per cooldown and never delays a genuinely rotated key by more than one cooldown.
 * Every fetch has a total deadline. Only public signing keys are taken (RSA and EC; never `oct`).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { Agent, request } from 'undici';
import { isTlsFailure } from '../errors/tls-failure.js';

/** Why a key could not be had; one word, for logs and metrics. */
export type JwksFailure = 'unknown_kid' | 'timeout' | 'unreachable' | 'tls' | 'http_status' | 'bad_response';

export class JwksError extends Error {
  constructor(
    readonly reason: JwksFailure,
    detail: string,
    cause?: unknown,
  ) {
    super(detail, cause === undefined ? undefined : { cause });
    this.name = 'JwksError';
  }
}

export interface JwksOptions {
  uri: string;
  ca?: Buffer | undefined;
  /** A fetched set is fresh this long; the next use after that refetches it. */
  maxAgeMs: number;
  /** While fetches fail, the last good set is used for this long after it was fetched. */
  maxStaleMs: number;
  /** At most one fetch in this interval (unknown `kid`s and refreshes alike). */
  cooldownMs: number;
  /** Total deadline of one fetch, headers and body. */
  timeoutMs: number;
  now: () => number;
}

interface KeySet {
  keys: Map<string, KeyObject>;
  fetchedAt: number;
}

const MAX_JWKS_BYTES = 256 * 1024;

function classify(err: unknown): JwksFailure {
  if (err instanceof JwksError) return err.reason;
  const code = String((err as { code?: unknown }).code ?? (err as { cause?: { code?: unknown } }).cause?.code ?? '');
  const name = (err as Error).name;
  if (name === 'TimeoutError' || name === 'AbortError' || /TIMEOUT/.test(code)) return 'timeout';
  return isTlsFailure(err) ? 'tls' : 'unreachable';
}

/** The public signing keys of a JWKS document, by `kid` (`''` for a key without one). */
function keysOf(doc: unknown): Map<string, KeyObject> {
  const list = (doc as { keys?: unknown })?.keys;
  if (!Array.isArray(list)) throw new JwksError('bad_response', 'the JWKS has no keys array');
  const keys = new Map<string, KeyObject>();
  for (const jwk of list as Array<Record<string, unknown>>) {
    if (!jwk || typeof jwk !== 'object' || (jwk.kty !== 'RSA' && jwk.kty !== 'EC')) continue;
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    try {
      // Only the public members: a private JWK published by mistake stays unused as a private key.
      const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
      keys.set(typeof jwk.kid === 'string' ? jwk.kid : '', createPublicKey({ key: pub as never, format: 'jwk' }));
    } catch {
      /* a key Node cannot read is skipped, as a verifier would */
    }
  }
  return keys;
}

export class JwksKeys {
  private set: KeySet | undefined;
  private fetching: Promise<KeySet> | undefined;
  private lastFetchAt = Number.NEGATIVE_INFINITY;
  private reachableNow: boolean | undefined;
  private readonly agent: Agent;

  constructor(private readonly opts: JwksOptions) {
    this.agent = new Agent({
      connections: 2,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      connect: { timeout: opts.timeoutMs, ...(opts.ca ? { ca: opts.ca } : {}) },
    });
  }

  /** Whether the last fetch reached the endpoint (undefined before the first). */
  get reachable(): boolean | undefined {
    return this.reachableNow;
  }

  /** The key for `kid`, fetching the set when it is missing, old, or lacks that `kid`. */
  async key(kid: string | undefined): Promise<KeyObject> {
    const now = this.opts.now();
    let fetchFailure: unknown;
    let set = this.set;
    const stale = !set || now - set.fetchedAt >= this.opts.maxAgeMs;
    const missing = set !== undefined && !set.keys.has(kid ?? '') && !(kid === undefined && set.keys.size === 1);
    const due = this.fetching !== undefined || now - this.lastFetchAt >= this.opts.cooldownMs;
    // A set that is only old, and holds the key, still serves: it is refreshed in the background,
    // so a slow or stalled endpoint never delays a token whose key is known.
    const usable = set !== undefined && !missing && now - set.fetchedAt < this.opts.maxStaleMs;
    if (stale && usable && due) {
      this.refresh().catch(() => undefined);
    } else if ((stale || missing) && due) {
      try {
        set = await this.refresh();
      } catch (err) {
        // Keep using the last good set while the endpoint fails, for as long as it may be trusted.
        if (!set || now - set.fetchedAt >= this.opts.maxStaleMs) throw err;
        fetchFailure = err;
      }
    }
    if (!set) throw new JwksError('unreachable', 'no key set could be fetched yet');
    // Also when no fetch was due (the cooldown): a set too old to be trusted is never used.
    if (now - set.fetchedAt >= this.opts.maxStaleMs)
      throw (
        fetchFailure ?? new JwksError('unreachable', 'the key set is too old to be trusted and was not fetched again')
      );
    const found =
      set.keys.get(kid ?? '') ?? (kid === undefined && set.keys.size === 1 ? [...set.keys.values()][0] : undefined);
    // A key the failed fetch might have brought: the failure is the cause, not the token.
    if (!found) throw fetchFailure ?? new JwksError('unknown_kid', "the key id is not in the issuer's key set");
    return found;
  }

  private refresh(): Promise<KeySet> {
    this.fetching ??= this.fetchOnce().finally(() => {
      this.fetching = undefined;
    });
    return this.fetching;
  }

  private async fetchOnce(): Promise<KeySet> {
    this.lastFetchAt = this.opts.now();
    try {
      const res = await request(this.opts.uri, {
        dispatcher: this.agent,
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      if (res.statusCode !== 200) {
        await res.body.dump().catch(() => undefined);
        throw new JwksError('http_status', `the JWKS endpoint answered HTTP ${res.statusCode}`);
      }
      let size = 0;
      const chunks: Buffer[] = [];
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_JWKS_BYTES) {
          res.body.destroy();
          throw new JwksError('bad_response', 'the JWKS is larger than 256 KiB');
        }
        chunks.push(chunk);
      }
      let doc: unknown;
      try {
        doc = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        throw new JwksError('bad_response', 'the JWKS is not JSON', err);
      }
      const set = { keys: keysOf(doc), fetchedAt: this.opts.now() };
      this.set = set;
      this.reachableNow = true;
      return set;
    } catch (err) {
      const reason = classify(err);
      this.reachableNow = false;
      throw err instanceof JwksError ? err : new JwksError(reason, `the JWKS could not be fetched (${reason})`, err);
    }
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => this.agent.destroy());
  }
}
