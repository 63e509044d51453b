/**
 * The one configuration schema, composed of one file per section (sections/), the cross-field
 * rules (rules.ts) and the resolution of each tenant's endpoints (resolve.ts). Key names follow the
 * contract's example config; siblings added here are documented in docs/configuration.md. Defaults
 * live in the sections and nowhere else.
 */
import type { z } from 'zod';
import { configSchema } from './file-schema.js';
import { resolveConfig } from './resolve.js';
import { type ConfigIssue, type ParsedSections, RULES } from './rules.js';
import { issuerSchema } from './sections/auth.js';
import { indexSchema } from './sections/index.js';
import { metricsSchema } from './sections/observability.js';
import { serverSchema } from './sections/server.js';
import { storeSchema } from './sections/store.js';
import { tenantSchema } from './sections/tenants.js';
import { type ccgatewaySchema, type upstreamSchema, upstreamsSchema } from './sections/upstreams.js';

export type { ConfigIssue } from './rules.js';
export { JWT_ALGORITHMS, type JwtAlgorithm } from './sections/auth.js';
export { DOWNLOAD_ROUTES, type DownloadRoute, type ResumePolicy } from './sections/downloads.js';
export { DEFAULT_PATH_RULES } from './sections/tenants.js';
export { configSchema };

/** Keys whose values are secrets: they must come from `${ENV}` or `${file:...}` references. */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  'ak',
  'sk',
  'secret',
  'password',
  'playbackSecret',
  'sealSecret',
]);

/** Each section parsed alone (tenants and issuers one by one), for the rules to read what did parse. */
function parseSections(input: unknown): ParsedSections {
  const raw = (input !== null && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  const auth = (raw.auth !== null && typeof raw.auth === 'object' ? raw.auth : {}) as Record<string, unknown>;
  const each = <S extends z.ZodType>(schema: S, list: unknown) =>
    (Array.isArray(list) ? list : []).map((v) => schema.safeParse(v).data as z.output<S> | undefined);
  return {
    server: serverSchema.safeParse(raw.server).data,
    store: storeSchema.prefault({}).safeParse(raw.store).data,
    metrics: metricsSchema.safeParse(raw.metrics).data,
    upstreams: upstreamsSchema.safeParse(raw.upstreams).data,
    index: raw.index === undefined ? undefined : indexSchema.safeParse(raw.index).data,
    tenants: each(tenantSchema, raw.tenants),
    issuers: each(issuerSchema, auth.issuers),
  };
}

/** Validates a config object: the resolved config, or every problem in it at once. */
export function validateConfig(input: unknown): { config: GatewayConfig } | { issues: ConfigIssue[] } {
  const whole = configSchema.safeParse(input);
  // The rules read what parsed: the whole file when it did, else each section on its own.
  const sections: ParsedSections = whole.success
    ? { ...whole.data, issuers: whole.data.auth.issuers }
    : parseSections(input);
  const issues: ConfigIssue[] = [
    ...(whole.success ? [] : whole.error.issues.map((i) => ({ path: i.path, message: i.message }))),
    ...RULES.flatMap((rule) => rule(sections)),
  ];
  return whole.success && issues.length === 0 ? { config: resolveConfig(whole.data) } : { issues };
}

export type GatewayConfig = ReturnType<typeof resolveConfig>;
export type TenantConfig = GatewayConfig['tenants'][number];
export type IssuerConfig = GatewayConfig['auth']['issuers'][number];
export type UpstreamConfig = z.output<typeof upstreamSchema>;
export type CcgatewayConfig = z.output<typeof ccgatewaySchema>;
/** One tenant's endpoint as resolved: `label` names it in metrics and readiness without an address. */
export type ResolvedUpstream = TenantConfig['upstreams']['ccfs'];
export type ResolvedCcgateway = NonNullable<TenantConfig['upstreams']['ccgateway']>;
export type AgentConfig = NonNullable<TenantConfig['ccgateway']>['agents'][number];
export type PathRuleName = keyof typeof import('./sections/tenants.js').DEFAULT_PATH_RULES;
