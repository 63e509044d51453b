/**
 * Contract section 1: Bearer JWT authentication. Each issuer has an explicit algorithm allowlist
 * and exactly one key source; the token's own header never chooses a key location (`jku`, `x5u`,
 * `jwk` are ignored) and `kid` is only ever a lookup key into the issuer's own JWKS.
 */
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import jwt, { type JwtPayload } from 'jsonwebtoken';
import type { Logger } from 'pino';
import type { GatewayConfig, IssuerConfig } from '../config/schema.js';
import { type Principal, scopesFromClaims } from '../domain/principal.js';
import { GatewayError } from '../errors/catalogue.js';
import type { Metrics } from '../ops/metrics.js';
import { JwksError, JwksKeys } from './jwks.js';

const REALM = 'Bearer realm="cc-file-gateway"';

const missingToken = () =>
  new GatewayError('UNAUTHENTICATED', 'a Bearer token is required', { headers: { 'www-authenticate': REALM } });
const invalidToken = (detail: string, cause?: unknown) =>
  new GatewayError('UNAUTHENTICATED', detail, {
    cause,
    headers: { 'www-authenticate': `${REALM}, error="invalid_token"` },
  });

interface IssuerEntry {
  config: IssuerConfig;
  /** The key for a token's `kid`; a JWKS issuer looks it up in its key set. */
  key(kid: string | undefined): Promise<KeyObject>;
  jwks?: JwksKeys;
}

const KID = /^[A-Za-z0-9._:+/=-]{1,256}$/;
const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i;

function createIssuer(config: IssuerConfig, now: () => number): IssuerEntry {
  if (config.secret !== undefined) {
    const key = createSecretKey(Buffer.from(config.secret, 'utf8'));
    return { config, key: async () => key };
  }
  if (config.publicKeyPem !== undefined) {
    const key = createPublicKey(config.publicKeyPem);
    return { config, key: async () => key };
  }
  const jwks = new JwksKeys({
    uri: config.jwksUri!,
    ca: config.caFile ? readFileSync(config.caFile) : undefined,
    maxAgeMs: config.jwksCacheMaxAgeMs,
    maxStaleMs: config.jwksMaxStaleMs,
    cooldownMs: Math.ceil(60_000 / config.jwksRequestsPerMinute),
    timeoutMs: config.jwksTimeoutMs,
    now,
  });
  return { config, jwks, key: (kid) => jwks.key(kid) };
}

/** Which key types an algorithm may be verified with (RFC 7518 section 3.1). */
function keyFits(alg: string, key: KeyObject): boolean {
  if (alg.startsWith('HS')) return key.type === 'secret';
  if (key.type !== 'public') return false;
  if (alg.startsWith('RS')) return key.asymmetricKeyType === 'rsa';
  if (alg.startsWith('PS')) return key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss';
  const curve = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' }[alg];
  return key.asymmetricKeyType === 'ec' && curve !== undefined && key.asymmetricKeyDetails?.namedCurve === curve;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** The header and payload of a compact JWS, or undefined when either is not a JSON object. */
function decodeParts(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } | undefined {
  const [h, p] = token.split('.');
  try {
    const header: unknown = JSON.parse(Buffer.from(h!, 'base64url').toString('utf8'));
    const payload: unknown = JSON.parse(Buffer.from(p!, 'base64url').toString('utf8'));
    return isPlainObject(header) && isPlainObject(payload) ? { header, payload } : undefined;
  } catch {
    return undefined;
  }
}

const numericOrAbsent = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isFinite(v));

/** At most this many verified tokens are remembered, the oldest forgotten first. */
const MAX_VERIFIED = 10_000;

/**
 * A token that passed every check, remembered by its whole text: the caller it names, the last
 * second it may be used (`exp` plus the clock tolerance, as verification counts it), and the key
 * that verified it. It is used again only while that same key is the one its issuer holds for the
 * token's `kid` (a key rotated out or revoked from the key set refuses it), and before that second.
 */
interface Verified {
  principal: Principal;
  lastSecond: number;
  entry: IssuerEntry;
  kid: string | undefined;
  key: KeyObject;
}

export interface Authenticator {
  /**
   * The caller of the Authorization header value, or UNAUTHENTICATED. A token verified before is
   * recalled; any other is checked after `beforeVerifying` (the failed-authentication budget, which
   * may refuse it), so that a known token never meets that budget.
   */
  authenticate(authorization: string | undefined, opts?: { beforeVerifying?: () => void }): Promise<Principal>;
  /** JWKS issuers and whether their endpoint answered the last time it was asked. */
  jwksStatus(): Array<{ issuer: string; reachable: boolean | undefined }>;
  close?(): Promise<void>;
}

export interface AuthenticatorOptions {
  now?: () => number;
  logger?: Logger;
  metrics?: Metrics;
}

export function createAuthenticator(
  auth: GatewayConfig['auth'],
  tenantIds: ReadonlySet<string>,
  opts: AuthenticatorOptions = {},
): Authenticator {
  const now = opts.now ?? Date.now;
  const issuers = new Map<string, IssuerEntry>(auth.issuers.map((c) => [c.issuer, createIssuer(c, now)]));
  // Callers get one answer for every key problem; operators get the cause, once per cause and issuer.
  const warned = new Set<string>();
  const keyFailed = (issuer: string, err: unknown): GatewayError => {
    const reason = err instanceof JwksError ? err.reason : 'unreachable';
    opts.metrics?.authKeyFailures.inc({ issuer, reason });
    if (!warned.has(`${issuer} ${reason}`)) {
      warned.add(`${issuer} ${reason}`);
      opts.logger?.warn(
        { issuer, reason, detail: (err as Error).message },
        'a token key could not be had from its issuer',
      );
    }
    return invalidToken('token key is not known to its issuer', err);
  };

  const verified = new Map<string, Verified>();
  const remember = (token: string, v: Verified) => {
    if (verified.size >= MAX_VERIFIED) verified.delete(verified.keys().next().value!);
    verified.set(token, v);
  };
  /** The remembered caller of `token`, or undefined when it must be verified again. */
  const recall = async (token: string): Promise<Principal | undefined> => {
    const v = verified.get(token);
    if (!v) return undefined;
    let current: KeyObject | undefined;
    try {
      current = Math.floor(now() / 1000) < v.lastSecond ? await v.entry.key(v.kid) : undefined;
    } catch {
      current = undefined;
    }
    if (current === v.key) return v.principal;
    verified.delete(token);
    return undefined;
  };

  return {
    jwksStatus: () =>
      [...issuers.values()]
        .filter((e) => e.jwks)
        .map((e) => ({ issuer: e.config.issuer, reachable: e.jwks!.reachable })),
    async close() {
      await Promise.all([...issuers.values()].map((e) => e.jwks?.close()));
    },
    async authenticate(header, opts) {
      const token = header === undefined ? undefined : BEARER.exec(header)?.[1];
      if (token !== undefined && token.length <= auth.maxTokenBytes) {
        const known = await recall(token);
        if (known) return known;
      }
      opts?.beforeVerifying?.();
      if (header === undefined || header === '') throw missingToken();
      if (token === undefined) throw invalidToken('the Authorization header is not a Bearer JWT');
      if (token.length > auth.maxTokenBytes) throw invalidToken('token is too large');

      const decoded = decodeParts(token);
      if (!decoded) throw invalidToken('token is not a JWT');
      // RFC 7515 4.1.11: no extension is understood here, so any critical one refuses the token.
      if (decoded.header.crit !== undefined) throw invalidToken('token header lists critical extensions');
      const { alg, kid } = decoded.header;
      const iss = decoded.payload.iss;
      const entry = typeof iss === 'string' ? issuers.get(iss) : undefined;
      if (!entry) throw invalidToken('token issuer is not trusted');
      const { config } = entry;
      if (typeof alg !== 'string' || !(config.algorithms as string[]).includes(alg))
        throw invalidToken('token algorithm is not allowed for its issuer');
      if (kid !== undefined && (typeof kid !== 'string' || !KID.test(kid)))
        throw invalidToken('token key id is malformed');
      for (const claim of ['exp', 'nbf', 'iat'] as const) {
        if (!numericOrAbsent(decoded.payload[claim])) throw invalidToken(`token ${claim} is not a finite number`);
      }

      let key: KeyObject;
      try {
        key = await entry.key(kid);
      } catch (err) {
        throw keyFailed(config.issuer, err);
      }
      // The key's type decides the family: an RSA key never verifies an HS256 or ES256 token.
      if (!keyFits(alg, key)) throw invalidToken('token algorithm does not fit its key');
      let claims: JwtPayload;
      try {
        claims = jwt.verify(token, key, {
          algorithms: [alg as jwt.Algorithm],
          issuer: config.issuer,
          audience: Array.isArray(config.audience) ? (config.audience as [string, ...string[]]) : config.audience,
          clockTolerance: auth.clockToleranceSec,
          clockTimestamp: Math.floor(now() / 1000),
        }) as JwtPayload;
      } catch (err) {
        const name = (err as Error).name;
        throw invalidToken(
          name === 'TokenExpiredError'
            ? 'token has expired'
            : name === 'NotBeforeError'
              ? 'token is not valid yet'
              : `token is invalid: ${jwtReason((err as Error).message)}`,
          err,
        );
      }
      if (typeof claims.exp !== 'number') throw invalidToken('token has no exp claim');
      if (typeof claims.iat === 'number' && claims.iat > now() / 1000 + auth.clockToleranceSec)
        throw invalidToken('token was issued in the future');
      const tenant = (claims as Record<string, unknown>)[auth.tenantClaim];
      if (typeof tenant !== 'string' || !tenantIds.has(tenant)) throw invalidToken('token names no configured tenant');
      // An issuer bound to some tenants (a partner's IdP) never acts for the others.
      if (config.tenants && !config.tenants.includes(tenant))
        throw invalidToken('token issuer may not act for this tenant');
      if (typeof claims.sub !== 'string' || claims.sub === '') throw invalidToken('token has no sub claim');
      const principal: Principal = {
        tenantId: tenant,
        subject: claims.sub.slice(0, 256),
        issuer: config.issuer,
        scopes: scopesFromClaims(claims),
      };
      remember(token, {
        principal,
        lastSecond: claims.exp + auth.clockToleranceSec,
        entry,
        kid: kid as string | undefined,
        key,
      });
      return principal;
    },
  };
}

/**
 * jsonwebtoken's reasons in our words: its own text names option values (`jwt audience invalid.
 * expected: ...`) and is worded for the library's user, not for the caller who holds the token.
 */
function jwtReason(message: string): string {
  if (message.startsWith('jwt audience invalid')) return 'its audience (aud) is not one this gateway accepts';
  if (message.startsWith('jwt issuer invalid')) return 'its issuer (iss) is not the one its key belongs to';
  if (message === 'invalid signature') return 'its signature does not verify';
  if (message === 'invalid algorithm') return 'its algorithm (alg) is not accepted for its issuer';
  if (message.startsWith('jwt malformed') || message === 'invalid token') return 'it is not a well-formed JWT';
  if (message.startsWith('jwt signature is required')) return 'it is not signed';
  return 'it does not verify';
}
