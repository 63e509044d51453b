/**
 * What the rest of the gateway reads, resolved once from the parsed file: each tenant's endpoints
 * (the global settings with the tenant's override on top, labelled for metrics) and each download
 * route's resume policy.
 */
import type { z } from 'zod';
import type { configSchema } from './file-schema.js';
import { resolveResume } from './sections/downloads.js';
import { ccgatewaySchema, mergeUpstream } from './sections/upstreams.js';

export function resolveConfig(cfg: z.output<typeof configSchema>) {
  return {
    ...cfg,
    downloads: { ...cfg.downloads, resume: resolveResume(cfg.downloads.resume) },
    tenants: cfg.tenants.map(({ upstreams, ...t }) => {
      const ccgwBase =
        cfg.upstreams.ccgateway ??
        (upstreams?.ccgateway?.baseUrl ? ccgatewaySchema.parse({ baseUrl: upstreams.ccgateway.baseUrl }) : undefined);
      const label = (overridden: unknown) => (overridden ? `tenant:${t.id}` : 'default');
      return {
        ...t,
        upstreams: {
          ccfs: { ...mergeUpstream(cfg.upstreams.ccfs, upstreams?.ccfs), label: label(upstreams?.ccfs) },
          ccgateway:
            ccgwBase && t.ccgateway
              ? { ...mergeUpstream(ccgwBase, upstreams?.ccgateway), label: label(upstreams?.ccgateway) }
              : undefined,
        },
      };
    }),
  };
}

/** Which vendor pool an endpoint's settings make: tenants whose resolved settings agree share one (the label only names it). */
export function endpointKey(service: 'ccfs' | 'ccgateway', upstream: { label: string }): string {
  const { label: _label, ...settings } = upstream;
  return JSON.stringify([service, settings]);
}
