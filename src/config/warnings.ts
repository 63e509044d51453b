/**
 * What a valid config cannot all deliver at once, or will likely not do as meant, said by
 * `--check-config` and logged at start: the tenants sharing a vendor endpoint whose stream limits
 * add up to more connections than it has (at full load some wait for a connection, then get 503;
 * each is still left its reserve), a stop that outlasts the platform's default grace, and a
 * tenant's own vendor address signed with the global host.
 */
import { endpointKey } from './resolve.js';
import type { GatewayConfig } from './schema.js';

/** Kubernetes' default terminationGracePeriodSeconds (Docker's default stop timeout is 10 s). */
const PLATFORM_GRACE_MS = 30_000;
/** What the gateway gives its agents' sign-out after the grace (main.ts's margin). */
export const SIGN_OUT_MARGIN_MS = 3000;

export function configWarnings(config: GatewayConfig): string[] {
  return [...poolWarnings(config), ...stopWarnings(config), ...signedHostWarnings(config)];
}

function stopWarnings(config: GatewayConfig): string[] {
  const { drainDelayMs, shutdownGraceMs } = config.server;
  const stopMs = drainDelayMs + shutdownGraceMs + SIGN_OUT_MARGIN_MS;
  return stopMs <= PLATFORM_GRACE_MS
    ? []
    : [
        `server: a stop takes up to ${stopMs / 1000} s (drainDelayMs ${drainDelayMs} + shutdownGraceMs ` +
          `${shutdownGraceMs} + ${SIGN_OUT_MARGIN_MS / 1000} s for the agents' sign-out), more than Kubernetes' ` +
          `default 30 s grace: set terminationGracePeriodSeconds (docker: --stop-timeout) above ${Math.ceil(stopMs / 1000)} s, ` +
          'or the platform kills the process before its agents are signed out',
      ];
}

function signedHostWarnings(config: GatewayConfig): string[] {
  const global = config.upstreams.ccfs.signedHost;
  if (!global) return [];
  return config.tenants.flatMap((t) => {
    const own = t.upstreams.ccfs;
    return own.baseUrl !== config.upstreams.ccfs.baseUrl && own.signedHost === global
      ? [
          `tenants[${t.id}].upstreams.ccfs: a baseUrl of its own (${own.baseUrl}) signed with the global ` +
            `signedHost (${global}): CC-FS checks the signed host, so set this endpoint's signedHost too`,
        ]
      : [];
  });
}

function poolWarnings(config: GatewayConfig): string[] {
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
