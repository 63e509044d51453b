/**
 * What `/readyz` reports. Readiness is this instance's own state only: its config loaded, not
 * draining, its upload spool writable. Those are what another replica would not share, so they
 * are what a load balancer should act on. The vendors, their breakers, the JWKS issuers, the agent
 * sessions and the shared store are reported in `/readyz/details` (and the metrics), never a reason
 * to leave the Service: every replica sees the same vendor, so taking them all out turns the
 * gateway's 503 with `Retry-After` into the ingress's own error page.
 */

/** A check as a source reports it. */
export interface Probe {
  name: string;
  ok: boolean;
  detail?: string;
}

/** One line of `/readyz/details`: `instance` says whether it decides readiness. */
export interface DependencyStatus extends Probe {
  instance: boolean;
}

export interface ReadinessSources {
  endpoints(): Promise<Probe[]>;
  breakers(): Array<{ name: string; state: 'closed' | 'open' | 'half-open' }>;
  jwks(): Array<{ issuer: string; reachable: boolean | undefined }>;
  agents(): Array<{ tenant: string; agentId: number; state: string; lastCode?: string; role?: string }>;
  draining(): boolean;
  /** Why the upload spool cannot take a file, or undefined when it can. */
  spoolProblem(): Promise<string | undefined>;
  /** The shared store, when there is one. */
  store?: () => { up: boolean; liveInstances: number };
  /** The call index's database, when the index is configured: whether it answers, and its engine. */
  indexDb?: () => Promise<{ up: boolean; engine: string }>;
}

export type ReadinessStatus = 'ready' | 'degraded' | 'not ready';

export interface Readiness {
  /** This instance's own checks only: cheap, and no vendor is contacted. */
  check(): Promise<{ ready: boolean; status: ReadinessStatus }>;
  /** Every check; `degraded` when the instance is ready but a dependency is not. */
  details(): Promise<{ ready: boolean; status: ReadinessStatus; dependencies: DependencyStatus[] }>;
}

export function createReadiness(sources: ReadinessSources): Readiness {
  const own = async (): Promise<DependencyStatus[]> => {
    const spool = await sources.spoolProblem();
    return [
      { name: 'config', ok: true, instance: true },
      { name: 'spool', ok: spool === undefined, instance: true, detail: spool ?? 'writable' },
      ...(sources.draining() ? [{ name: 'shutdown', ok: false, instance: true, detail: 'draining' }] : []),
    ];
  };
  const reported = (p: Probe): DependencyStatus => ({ ...p, instance: false });
  const index = async (): Promise<DependencyStatus[]> => {
    if (!sources.indexDb) return [];
    const db = await sources.indexDb();
    return [
      reported({
        name: 'index-db',
        ok: db.up,
        detail: db.up ? `${db.engine} answers` : `${db.engine} unreachable: searches answer 503, ingestion waits`,
      }),
    ];
  };
  const others = async (): Promise<DependencyStatus[]> => [
    ...(await index()),
    ...(await sources.endpoints()).map(reported),
    ...sources.breakers().map((b) => reported({ name: `breaker:${b.name}`, ok: b.state !== 'open', detail: b.state })),
    // Cached keys keep working while a JWKS endpoint is down.
    ...sources.jwks().map((j) =>
      reported({
        name: `jwks:${j.issuer}`,
        ok: j.reachable !== false,
        detail:
          j.reachable === undefined
            ? 'not fetched yet'
            : j.reachable
              ? 'reachable'
              : 'last fetch failed; cached keys still used',
      }),
    ),
    ...sources.agents().map((a) =>
      reported({
        name: `agent:${a.tenant}/${a.agentId}`,
        ok: a.state !== 'refused',
        detail: `${a.state}${a.role ? `, lease ${a.role}` : ''}${a.lastCode ? ` (last code ${a.lastCode})` : ''}`,
      }),
    ),
    // Redis away degrades (limits per instance, sessions from each instance's copy) but serves.
    ...(sources.store
      ? [
          ((st) =>
            reported({
              name: 'store',
              ok: st.up,
              detail: st.up
                ? `redis reachable; ${st.liveInstances} live instances`
                : 'redis unreachable: limits per instance share, agent sessions from the last known copy',
            }))(sources.store()),
        ]
      : []),
  ];
  const verdict = (mine: DependencyStatus[], rest: DependencyStatus[] = []) => {
    const ready = mine.every((d) => d.ok);
    const status: ReadinessStatus = !ready ? 'not ready' : rest.every((d) => d.ok) ? 'ready' : 'degraded';
    return { ready, status };
  };
  return {
    async check() {
      return verdict(await own());
    },
    async details() {
      const [mine, rest] = await Promise.all([own(), others()]);
      return { ...verdict(mine, rest), dependencies: [...mine, ...rest] };
    },
  };
}
