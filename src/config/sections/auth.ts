/** `auth`: the trusted issuers, the tenant claim, and the failed-authentication budget. */
import { z } from 'zod';
import { jwksUrl, ms } from './fields.js';

export const JWT_ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

export const issuerSchema = z.strictObject({
  issuer: z.string().min(1),
  /** The tenants this issuer's tokens may act for (a partner's IdP, say); absent: every tenant. */
  tenants: z.array(z.string().min(1)).min(1).optional(),
  audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  algorithms: z.array(z.enum(JWT_ALGORITHMS)).min(1),
  jwksUri: jwksUrl.optional(),
  /** Trust anchor for the JWKS endpoint's certificate (default: the system's CAs). */
  caFile: z.string().min(1).optional(),
  secret: z.string().min(32, 'an HMAC secret must be at least 32 characters').optional(),
  publicKeyFile: z.string().min(1).optional(),
  /** Filled by the loader from publicKeyFile: the PEM text. */
  publicKeyPem: z.string().optional(),
  /** A fetched key set is fresh this long; the next token after that refetches it. */
  jwksCacheMaxAgeMs: ms(10 * 60 * 1000),
  /** While the endpoint fails, the last good key set keeps working this long after it was fetched. */
  jwksMaxStaleMs: ms(24 * 3600 * 1000),
  /** At most this many fetches a minute: one per 60 s / n however many unknown `kid`s arrive. */
  jwksRequestsPerMinute: z.number().int().positive().max(600).default(10),
  /** Total deadline of one key fetch, headers and body. */
  jwksTimeoutMs: z.number().int().min(100).max(60_000).default(5000),
});

export const authSchema = z.strictObject({
  tenantClaim: z.string().min(1).default('tenant'),
  clockToleranceSec: z.number().int().min(0).max(600).default(30),
  /** Tokens longer than this are refused before any parsing. */
  maxTokenBytes: z.number().int().min(512).max(65536).default(8192),
  issuers: z.array(issuerSchema).min(1),
  /**
   * Failed authentications per client address (the socket's, or the one `trustProxy` derives): a
   * token bucket of `burst`, refilled at `perMinute`. Over it, the address gets 429 before any
   * token is parsed. Keyed on the address, never the tenant, so no one can lock a tenant out.
   */
  failedAuthLimit: z
    .strictObject({
      enabled: z.boolean().default(true),
      perMinute: z.number().positive().max(100_000).default(60),
      burst: z.number().int().positive().max(100_000).default(30),
      /** An address over its budget still has new tokens verified, this many a minute; tokens already verified are always served. */
      overBudgetVerificationsPerMinute: z.number().positive().max(100_000).default(30),
      /** CIDRs exempt from the budget (a trusted network, the health checker). */
      trustedNetworks: z
        .array(z.string().regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, 'must be a CIDR such as 10.0.0.0/8'))
        .default([]),
    })
    .prefault({}),
});
