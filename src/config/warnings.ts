/**
 * What a valid config cannot all deliver at once, said by `--check-config` and logged at start:
 * the tenants sharing a vendor endpoint whose stream limits add up to more connections than it
 * has (at full load some wait for a connection, then get 503; each is still left its reserve).
 */
import { endpointKey } from './resolve.js';
import type { GatewayConfig } from './schema.js';

export function configWarnings(config: GatewayConfig): string[] {
  const endpoints = new Map<string, { name: string; connections: number; share: number; tenants: string[] }>();
  const streams = new Map(
    config.tenants.map((t) => [t.id, t.limits.concurrentStreams + t.limits.playbackConcurrentStreams]),
  );
  for (const t of config.tenants) {
    for (const [service, up] of [
      ['ccfs', t.upstreams.ccfs],
      ['ccgateway', t.upstreams.ccgateway],
    ] as const) {
      if (!up) continue;
      const key = endpointKey(service, up);
      const e = endpoints.get(key) ?? {
        name: `upstreams.${service} (${up.label})`,
        connections: up.connections,
        share: Math.max(1, Math.ceil(up.connections * up.maxTenantShare)),
        tenants: [],
      };
      e.tenants.push(t.id);
      endpoints.set(key, e);
    }
  }
  return [...endpoints.values()].flatMap((e) => {
    const wanted = e.tenants.reduce((sum, id) => sum + Math.min(e.share, streams.get(id)!), 0);
    return e.tenants.length > 1 && wanted > e.connections
      ? [
          `${e.name}: its tenants (${e.tenants.join(', ')}) may hold ${wanted} streams at once within their limits ` +
            `(concurrentStreams + playbackConcurrentStreams, each capped at maxTenantShare), more than its ` +
            `${e.connections} connections: at full load some wait queueTimeoutMs for one, then get 503 ` +
            '(each tenant is still left its reserve)',
        ]
      : [];
  });
}
