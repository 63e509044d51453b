/**
 * What `/readyz` reports, assembled from the parts that know their own state: the vendor
 * endpoints (a TCP connect), the circuit breakers, the JWKS issuers, the agent sessions and the
 * shutdown. Only a failing critical dependency makes the instance unready; one tenant's agent or
 * credentials, or a JWKS endpoint behind cached keys, is reported but keeps it in rotation.
 */

/** One dependency as `/readyz` reports it. */
export interface DependencyStatus {
  name: string;
  ok: boolean;
  detail?: string;
  /** False: reported, but a failure does not make the whole gateway unready (one tenant's agent). */
  critical?: boolean;
}

export interface ReadinessSources {
  endpoints(): Promise<DependencyStatus[]>;
  breakers(): Array<{ name: string; state: 'closed' | 'open' | 'half-open'; critical: boolean }>;
  jwks(): Array<{ issuer: string; reachable: boolean | undefined }>;
  agents(): Array<{ tenant: string; agentId: number; state: string; lastCode?: string; role?: string }>;
  draining(): boolean;
  /** The shared store, when there is one. */
  store?: () => { up: boolean; liveInstances: number };
}

export interface Readiness {
  check(): Promise<{ ready: boolean; dependencies: DependencyStatus[] }>;
}

export function createReadiness(sources: ReadinessSources): Readiness {
  return {
    async check() {
      const dependencies: DependencyStatus[] = [
        { name: 'config', ok: true },
        ...(await sources.endpoints()),
        ...sources
          .breakers()
          .map((b) => ({ name: `breaker:${b.name}`, ok: b.state !== 'open', critical: b.critical, detail: b.state })),
        // Cached keys keep working while a JWKS endpoint is down: reported, not fatal.
        ...sources.jwks().map((j) => ({
          name: `jwks:${j.issuer}`,
          ok: j.reachable !== false,
          critical: false,
          detail:
            j.reachable === undefined
              ? 'not fetched yet'
              : j.reachable
                ? 'reachable'
                : 'last fetch failed; cached keys still used',
        })),
        ...sources.agents().map((a) => ({
          name: `agent:${a.tenant}/${a.agentId}`,
          ok: a.state !== 'refused',
          critical: false,
          detail: `${a.state}${a.role ? `, lease ${a.role}` : ''}${a.lastCode ? ` (last code ${a.lastCode})` : ''}`,
        })),
        // Redis away degrades (limits per instance, sessions from each instance's copy) but serves: not fatal.
        ...(sources.store
          ? [
              ((st) => ({
                name: 'store',
                ok: st.up,
                critical: false,
                detail: st.up
                  ? `redis reachable; ${st.liveInstances} live instances`
                  : 'redis unreachable: limits per instance share, agent sessions from the last known copy',
              }))(sources.store()),
            ]
          : []),
        ...(sources.draining() ? [{ name: 'shutdown', ok: false, detail: 'draining' }] : []),
      ];
      return { ready: dependencies.every((d) => d.ok || d.critical === false), dependencies };
    },
  };
}
