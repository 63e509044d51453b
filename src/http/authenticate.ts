/**
 * Contract section 1: Bearer JWT authentication. Each issuer has an explicit algorithm allowlist
 * and exactly one key source; the token's own header never chooses a key location (`jku`, `x5u`,
 * `jwk` are ignored) and `kid` is only ever a lookup key into the issuer's own JWKS.
 */
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import jwt, { type JwtPayload } from 'jsonwebtoken';
import jwksRsa from 'jwks-rsa';
import type { NextFunction, Request, Response } from 'express';
import type { TenantLimits } from './limits.js';
import type { GatewayConfig, IssuerConfig } from '../config/schema.js';
import { GatewayError } from '../errors/catalogue.js';
import { scopesFromClaims, type Principal, type Scope } from '../domain/principal.js';
import type { TenantPolicy } from '../domain/tenant-policy.js';
import { setCaller } from './scope.js';

const REALM = 'Bearer realm="cc-file-gateway"';

const missingToken = () =>
  new GatewayError('UNAUTHENTICATED', 'a Bearer token is required', { headers: { 'www-authenticate': REALM } });
const invalidToken = (detail: string, cause?: unknown) =>
  new GatewayError('UNAUTHENTICATED', detail, {
    cause,
    headers: { 'www-authenticate': `${REALM}, error="invalid_token"` },
  });

type KeyResolver = ((kid: string | undefined) => Promise<KeyObject>) & {
  /** For a JWKS issuer: whether the last fetch reached the endpoint (undefined before the first). */
  reachable?: () => boolean | undefined;
};

interface IssuerEntry {
  config: IssuerConfig;
  resolveKey: KeyResolver;
}

const KID = /^[A-Za-z0-9._:+/=-]{1,256}$/;

function createKeyResolver(iss: IssuerConfig): KeyResolver {
  if (iss.secret !== undefined) {
    const key = createSecretKey(Buffer.from(iss.secret, 'utf8'));
    return async () => key;
  }
  if (iss.publicKeyPem !== undefined) {
    const key = createPublicKey(iss.publicKeyPem);
    return async () => key;
  }
  const jwks = jwksRsa({
    jwksUri: iss.jwksUri!,
    cache: true,
    cacheMaxEntries: 20,
    cacheMaxAge: iss.jwksCacheMaxAgeMs,
    rateLimit: true,
    jwksRequestsPerMinute: iss.jwksRequestsPerMinute,
    timeout: 5000,
  });
  let reachable: boolean | undefined;
  const resolve: KeyResolver = async (kid) => {
    if (kid !== undefined && !KID.test(kid)) throw invalidToken('token key id is malformed');
    try {
      const signingKey = await jwks.getSigningKey(kid);
      reachable = true;
      return createPublicKey(signingKey.getPublicKey());
    } catch (err) {
      // An unknown kid is the token's fault; anything else (network, 5xx, bad JSON) is the endpoint's.
      const name = (err as Error).name;
      if (name !== 'SigningKeyNotFoundError' && name !== 'JwksRateLimitError') reachable = false;
      throw invalidToken('token key is not known to its issuer', err);
    }
  };
  resolve.reachable = () => reachable;
  return resolve;
}

export interface Authenticator {
  /** Verifies the Authorization header value and returns the caller, or throws UNAUTHENTICATED. */
  authenticate(authorization: string | undefined): Promise<Principal>;
  /** JWKS issuers and whether their endpoint answered the last time it was asked. */
  jwksStatus(): Array<{ issuer: string; reachable: boolean | undefined }>;
}

export function createAuthenticator(auth: GatewayConfig['auth'], tenantIds: ReadonlySet<string>): Authenticator {
  const issuers = new Map<string, IssuerEntry>(
    auth.issuers.map((c) => [c.issuer, { config: c, resolveKey: createKeyResolver(c) }]),
  );

  return {
    jwksStatus: () =>
      [...issuers.values()]
        .filter((e) => e.resolveKey.reachable)
        .map((e) => ({ issuer: e.config.issuer, reachable: e.resolveKey.reachable!() })),
    async authenticate(header) {
      if (header === undefined || header === '') throw missingToken();
      const m = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i.exec(header);
      if (!m) throw invalidToken('the Authorization header is not a Bearer JWT');
      const token = m[1]!;
      if (token.length > auth.maxTokenBytes) throw invalidToken('token is too large');

      const decoded = jwt.decode(token, { complete: true });
      if (!decoded || typeof decoded.payload !== 'object') throw invalidToken('token is not a JWT');
      const iss = (decoded.payload as JwtPayload).iss;
      const entry = typeof iss === 'string' ? issuers.get(iss) : undefined;
      if (!entry) throw invalidToken('token issuer is not trusted');
      const { config } = entry;
      if (!(config.algorithms as string[]).includes(decoded.header.alg))
        throw invalidToken('token algorithm is not allowed for its issuer');

      const key = await entry.resolveKey(decoded.header.kid);
      let claims: JwtPayload;
      try {
        claims = jwt.verify(token, key, {
          algorithms: config.algorithms,
          issuer: config.issuer,
          audience: Array.isArray(config.audience) ? (config.audience as [string, ...string[]]) : config.audience,
          clockTolerance: auth.clockToleranceSec,
        }) as JwtPayload;
      } catch (err) {
        const name = (err as Error).name;
        throw invalidToken(
          name === 'TokenExpiredError'
            ? 'token has expired'
            : name === 'NotBeforeError'
              ? 'token is not valid yet'
              : `token is invalid: ${(err as Error).message}`,
          err,
        );
      }
      if (typeof claims.exp !== 'number') throw invalidToken('token has no exp claim');
      if (typeof claims.iat === 'number' && claims.iat > Date.now() / 1000 + auth.clockToleranceSec)
        throw invalidToken('token was issued in the future');
      const tenant = (claims as Record<string, unknown>)[auth.tenantClaim];
      if (typeof tenant !== 'string' || !tenantIds.has(tenant)) throw invalidToken('token names no configured tenant');
      if (typeof claims.sub !== 'string' || claims.sub === '') throw invalidToken('token has no sub claim');
      return {
        tenantId: tenant,
        subject: claims.sub.slice(0, 256),
        issuer: config.issuer,
        scopes: scopesFromClaims(claims),
      };
    },
  };
}

/** Express middleware: authenticates, takes a token from the tenant's rate budget, then checks one scope. */
export function requireAuth(
  deps: { authenticator: Authenticator; limits: TenantLimits; tenants: ReadonlyMap<string, TenantPolicy> },
  scope: Scope,
) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const principal = await deps.authenticator.authenticate(req.headers.authorization);
    const tenant = deps.tenants.get(principal.tenantId);
    // The authenticator admits only configured tenants: a miss here is a wiring bug.
    if (!tenant) throw new Error(`authenticated tenant ${principal.tenantId} has no policy`);
    setCaller(res, principal, tenant);
    deps.limits.admit(principal.tenantId);
    if (!principal.scopes.has(scope)) {
      throw new GatewayError('INSUFFICIENT_SCOPE', `the token lacks the scope ${scope}`, {
        headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${scope}"` },
      });
    }
    next();
  };
}
