/** Contract section 1: the verified caller behind a request. */
export const SCOPES = {
  recordingsRead: 'recordings:read',
  ivrFilesRead: 'ivr-files:read',
  ivrFilesWrite: 'ivr-files:write',
  agentRecordingsRead: 'agent-recordings:read',
  ccfsNative: 'ccfs:native',
  /** The index (contract 6). */
  callsRead: 'calls:read',
  indexAdmin: 'index:admin',
  /** Readiness details and metrics on the API's listener (the internal listener needs none). */
  opsRead: 'ops:read',
} as const;
export type Scope = (typeof SCOPES)[keyof typeof SCOPES];

export interface Principal {
  tenantId: string;
  /** `sub`, for logs and the audit trail. */
  subject: string;
  issuer: string;
  scopes: ReadonlySet<string>;
}

/** Scopes come from `scope` (space-separated) or `scp` (array of strings); both are merged. */
export function scopesFromClaims(claims: Record<string, unknown>): Set<string> {
  const out = new Set<string>();
  if (typeof claims.scope === 'string') for (const s of claims.scope.split(' ')) if (s) out.add(s);
  if (Array.isArray(claims.scp)) for (const s of claims.scp) if (typeof s === 'string' && s) out.add(s);
  return out;
}
