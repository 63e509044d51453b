/**
 * A tenant as the routes see it: its VDNs, its compiled path rules, its limits. Built once from
 * configuration; no secrets here (credentials stay in the upstream layer).
 */
import { invalidRequest, pathForbidden } from '../errors/catalogue.js';
import { decidePath, expandRule, MAX_PATH_LENGTH, MAX_WINDOWS_PATH_LENGTH, type PathKind } from './path-rules.js';

export type RuleName = 'recordings' | 'ivrDownload' | 'ivrUpload' | 'agentRecordings' | 'agentMessageRecordings';

export interface TenantPolicyInput {
  id: string;
  vdnIds: readonly number[];
  ccId?: string | undefined;
  pathRules: Readonly<Record<RuleName, string>>;
  limits: {
    uploadMaxBytes: number;
    requestsPerSecond: number;
    burst: number;
    concurrentStreams: number;
    playbackConcurrentStreams: number;
    playbackStreamsPerId: number;
    playbackRequestsPerSecondPerId: number;
    playbackBurstPerId: number;
    playbackRangeSkipMaxBytes: number;
    playbackRangeSkipBytesPerMinutePerId: number;
  };
}

export interface TenantPolicy {
  id: string;
  vdnIds: readonly number[];
  ccId: string | undefined;
  prefixes: Readonly<Record<RuleName, readonly string[]>>;
  /** Whether the `recordings` rule admits everything under each of the tenant's VDNs (see checkCallIdRead). */
  recordingsCoverVdns: boolean;
  limits: TenantPolicyInput['limits'];
}

export function compileTenantPolicy(t: TenantPolicyInput): TenantPolicy {
  const prefixes = Object.fromEntries(
    (Object.keys(t.pathRules) as RuleName[]).map((name) => [name, expandRule(t.pathRules[name], t.vdnIds)]),
  ) as Record<RuleName, string[]>;
  return {
    id: t.id,
    vdnIds: t.vdnIds,
    ccId: t.ccId,
    prefixes,
    recordingsCoverVdns: coversVdns(prefixes.recordings, t.vdnIds),
    limits: t.limits,
  };
}

/** Every path below `/{vdnId}/`, for each VDN, lies inside one of the prefixes. */
export function coversVdns(prefixes: readonly string[], vdnIds: readonly number[]): boolean {
  return vdnIds.every((v) => prefixes.some((p) => p === '/' || `/${v}/`.startsWith(`${p}/`)));
}

/**
 * A read by call id (contract 3.2, and the native `downloadRecord` with `callId`): the vendor
 * picks the call's files itself, by what the tenant's AK owns (its VDNs), and does not name them
 * before they are sent (a zip's entries carry bare file names). So it stays inside the rules only
 * when the `recordings` rule admits all of the tenant's VDNs; a narrower rule (`/53/0/`) would be
 * stepped around, and the read is refused before the vendor is called.
 */
export function checkCallIdRead(tenant: TenantPolicy): void {
  if (!tenant.recordingsCoverVdns)
    throw pathForbidden(
      "reads by call id are refused for this tenant: its recordings rule is narrower than its VDNs, and the vendor picks a call's files by VDN; read them by fileName",
    );
}

/**
 * Contract 6.1's isolation for one index row: inside the tenant's VDNs (when the row names one)
 * and, for a recording, under its `recordings` rule (the vendor writes the name with backslashes).
 */
export function inVdns(tenant: TenantPolicy, vdnId: number | null): boolean {
  return vdnId === null || tenant.vdnIds.includes(vdnId);
}

export function recordingInside(tenant: TenantPolicy, r: { originalFileName: string; vdnId: number | null }): boolean {
  return (
    inVdns(tenant, r.vdnId) && checkTenantPath(tenant, 'recordings', r.originalFileName.replace(/\\/g, '/')).allowed
  );
}

/** Each operation's own documented limit: only CC-FS's recording name is String(1-225). */
const PATH_LIMITS: Readonly<Record<RuleName, number>> = {
  recordings: MAX_PATH_LENGTH,
  ivrDownload: MAX_WINDOWS_PATH_LENGTH,
  ivrUpload: MAX_WINDOWS_PATH_LENGTH,
  agentRecordings: MAX_WINDOWS_PATH_LENGTH,
  agentMessageRecordings: MAX_WINDOWS_PATH_LENGTH,
};

export function checkTenantPath(tenant: TenantPolicy, rule: RuleName, path: string, kind: PathKind = 'file') {
  return decidePath(path, tenant.prefixes[rule], kind, PATH_LIMITS[rule]);
}

/** For `--check-config` and the start: what the policies refuse that an operator may not expect. */
export function policyWarnings(tenants: readonly TenantPolicy[]): string[] {
  return tenants
    .filter((t) => !t.recordingsCoverVdns)
    .map(
      (t) =>
        `tenant ${t.id}: its recordings rule is narrower than its VDNs (${t.vdnIds.join(', ')}), so reads by call id ` +
        '(GET /v1/calls/{callId}/recordings, native downloadRecord with callId) are refused with 403',
    );
}

/** Contract 3.6: `vdnId` may be left out only when the tenant has exactly one VDN. */
export function uploadVdn(tenant: TenantPolicy, given: string | undefined): number {
  if (given === undefined) {
    if (tenant.vdnIds.length === 1) return tenant.vdnIds[0]!;
    throw invalidRequest('vdnId is required: the tenant has several VDNs');
  }
  if (!/^[0-9]{1,9}$/.test(given)) throw invalidRequest('vdnId must be a number');
  const vdnId = Number(given);
  if (!tenant.vdnIds.includes(vdnId)) throw pathForbidden(`VDN ${vdnId} is not one of the tenant's`);
  return vdnId;
}
