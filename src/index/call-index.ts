/** The index the routes see: the database and the ingestion behind one port, database failures as 503. */
import type { IndexDb } from '../db/port.js';
import { GatewayError } from '../errors/catalogue.js';
import type { IndexTenant, Ingestion } from './ingestion.js';
import type { CallIndex } from './port.js';

/** What a search answers while the database is away: try again in a few seconds. */
const DB_RETRY_SEC = 5;

export function createCallIndex(deps: {
  db: IndexDb;
  ingestion: Ingestion;
  tenants: ReadonlyMap<string, IndexTenant>;
  maxSearchDays: number;
  maxBackfillDays: number;
  cursorKey: Buffer;
}): CallIndex {
  const { db, ingestion } = deps;
  const guarded = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      throw new GatewayError('UPSTREAM_UNAVAILABLE', 'the index database cannot be reached; retry later', {
        cause: err,
        retryAfterSec: DB_RETRY_SEC,
      });
    }
  };
  return {
    tenant(id) {
      const t = deps.tenants.get(id);
      return t ? { timeZone: t.timeZone, maskNumbers: t.maskNumbers } : undefined;
    },
    maxSearchDays: deps.maxSearchDays,
    maxBackfillDays: deps.maxBackfillDays,
    cursorKey: deps.cursorKey,
    search: (f) => guarded(() => db.search(f)),
    call: (tenant, callId, vdnIds) => guarded(() => db.call(tenant, callId, vdnIds)),
    recordingsOf: (tenant, callId) =>
      deps.tenants.has(tenant) ? guarded(() => db.recordingsOf(tenant, callId)) : Promise.resolve(undefined),
    status: (tenant) => guarded(() => ingestion.status(tenant)),
    backfill: (tenant, from, to) => guarded(() => ingestion.backfill(tenant, from, to)),
    callback: (jobId, token, req) => guarded(() => ingestion.callback(jobId, token, req)),
    ping: () => db.ping(),
  };
}
