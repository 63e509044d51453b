/**
 * A tenant as the routes see it: its VDNs, its compiled path rules, its limits. Built once from
 * configuration; no secrets here (credentials stay in the upstream layer).
 */
import { decidePath, expandRule, type PathKind } from './path-rules.js';

export type RuleName = 'recordings' | 'ivrDownload' | 'ivrUpload' | 'agentRecordings' | 'agentMessageRecordings';

export interface TenantPolicyInput {
  id: string;
  vdnIds: readonly number[];
  ccId?: string | undefined;
  pathRules: Readonly<Record<RuleName, string>>;
  limits: { uploadMaxBytes: number; requestsPerSecond: number; burst: number; concurrentStreams: number };
}

export interface TenantPolicy {
  id: string;
  vdnIds: readonly number[];
  ccId: string | undefined;
  prefixes: Readonly<Record<RuleName, readonly string[]>>;
  limits: TenantPolicyInput['limits'];
}

export function compileTenantPolicy(t: TenantPolicyInput): TenantPolicy {
  const prefixes = Object.fromEntries(
    (Object.keys(t.pathRules) as RuleName[]).map((name) => [name, expandRule(t.pathRules[name], t.vdnIds)]),
  ) as Record<RuleName, string[]>;
  return { id: t.id, vdnIds: t.vdnIds, ccId: t.ccId, prefixes, limits: t.limits };
}

export function checkTenantPath(tenant: TenantPolicy, rule: RuleName, path: string, kind: PathKind = 'file') {
  return decidePath(path, tenant.prefixes[rule], kind);
}
