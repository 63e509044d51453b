/** Development tokens: HS256 JWTs for a configured shared-secret issuer (demo and tests). */
import jwt from 'jsonwebtoken';

export interface MintOptions {
  secret: string;
  issuer: string;
  audience: string;
  tenant: string;
  scopes: readonly string[];
  subject?: string;
  expiresInSec?: number;
  tenantClaim?: string;
}

export function mintToken(o: MintOptions): string {
  return jwt.sign({ [o.tenantClaim ?? 'tenant']: o.tenant, scope: o.scopes.join(' ') }, o.secret, {
    algorithm: 'HS256',
    issuer: o.issuer,
    audience: o.audience,
    subject: o.subject ?? `dev-${o.tenant}`,
    expiresIn: o.expiresInSec ?? 3600,
  });
}

export const ALL_SCOPES = [
  'recordings:read',
  'ivr-files:read',
  'ivr-files:write',
  'agent-recordings:read',
  'ccfs:native',
  'ops:read',
  'calls:read',
  'index:admin',
] as const;
