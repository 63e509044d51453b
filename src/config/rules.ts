/**
 * The rules that span fields or sections, one named function each. Every rule reads the sections
 * as far as they parsed (a tenant or an issuer with a type error is left out, the others are
 * checked), so a run reports the type errors and the cross-field problems together.
 */
import type { z } from 'zod';
import type { issuerSchema } from './sections/auth.js';
import type { indexSchema } from './sections/index.js';
import type { metricsSchema } from './sections/observability.js';
import type { serverSchema } from './sections/server.js';
import type { storeSchema } from './sections/store.js';
import type { tenantSchema } from './sections/tenants.js';
import type { upstreamsSchema } from './sections/upstreams.js';

export interface ConfigIssue {
  path: ReadonlyArray<PropertyKey>;
  message: string;
}

/** The sections a rule reads: undefined where a section did not parse; tenants and issuers one by one. */
export interface ParsedSections {
  server: z.output<typeof serverSchema> | undefined;
  store: z.output<typeof storeSchema> | undefined;
  metrics: z.output<typeof metricsSchema> | undefined;
  upstreams: z.output<typeof upstreamsSchema> | undefined;
  index?: z.output<typeof indexSchema> | undefined;
  tenants: ReadonlyArray<z.output<typeof tenantSchema> | undefined>;
  issuers: ReadonlyArray<z.output<typeof issuerSchema> | undefined>;
}

type Rule = (c: ParsedSections) => ConfigIssue[];

export const redisNeedsUrlAndSealSecret: Rule = ({ store }) =>
  store?.type !== 'redis'
    ? []
    : [
        ...(store.url ? [] : [{ path: ['store', 'url'], message: 'required when type is redis' }]),
        ...(store.sealSecret ? [] : [{ path: ['store', 'sealSecret'], message: 'required when type is redis' }]),
      ];

export const workersNeedRedis: Rule = ({ store, server }) =>
  store && server && store.type !== 'redis' && server.workers !== 1
    ? [
        {
          path: ['server', 'workers'],
          message:
            'several workers need store.type redis: on the memory store each worker would sign the same agents in and enforce the whole limit',
        },
      ]
    : [];

export const workersNeedAMetricsPort: Rule = ({ store, server, metrics }) =>
  store?.type === 'redis' && server && metrics && server.workers !== 1 && metrics.enabled && metrics.port === undefined
    ? [
        {
          path: ['metrics', 'port'],
          message:
            "several workers need metrics.port: there the primary serves all workers' metrics summed (on the API port each answer would be one worker's)",
        },
      ]
    : [];

/** Each parsed tenant with its index in the file. */
const eachTenant = (c: ParsedSections) => c.tenants.flatMap((t, i) => (t ? [{ t, i }] : []));

export const tenantIdsAreUnique: Rule = (c) => {
  const seen = new Set<string>();
  return eachTenant(c).flatMap(({ t, i }) => {
    const dup = seen.has(t.id);
    seen.add(t.id);
    return dup ? [{ path: ['tenants', i, 'id'], message: `duplicate tenant id "${t.id}"` }] : [];
  });
};

export const eachVdnHasOneTenant: Rule = (c) => {
  const owner = new Map<number, string>();
  return eachTenant(c).flatMap(({ t, i }) =>
    t.vdnIds.flatMap((v, j) => {
      const o = owner.get(v);
      if (o === undefined) owner.set(v, t.id);
      return o === undefined
        ? []
        : [{ path: ['tenants', i, 'vdnIds', j], message: `VDN ${v} is already owned by tenant "${o}"` }];
    }),
  );
};

export const agentsNeedACcGateway: Rule = (c) =>
  c.upstreams === undefined
    ? []
    : eachTenant(c).flatMap(({ t, i }) =>
        t.ccgateway && !c.upstreams?.ccgateway && !t.upstreams?.ccgateway?.baseUrl
          ? [
              {
                path: ['tenants', i, 'ccgateway'],
                message: 'agents are configured but no CC-Gateway baseUrl (upstreams.ccgateway or the tenant override)',
              },
            ]
          : [],
      );

export const agentIdsAreUnique: Rule = (c) =>
  eachTenant(c).flatMap(({ t, i }) => {
    const seen = new Set<number>();
    return (t.ccgateway?.agents ?? []).flatMap((a, j) => {
      const dup = seen.has(a.agentId);
      seen.add(a.agentId);
      return dup
        ? [{ path: ['tenants', i, 'ccgateway', 'agents', j, 'agentId'], message: `duplicate agent ${a.agentId}` }]
        : [];
    });
  });

/** One session per agent on a CC-Gateway: two tenants signing the same agent in would evict each other. */
export const agentsAreNotShared: Rule = (c) => {
  if (c.upstreams === undefined) return [];
  const owner = new Map<string, string>();
  return eachTenant(c).flatMap(({ t, i }) => {
    const base = t.upstreams?.ccgateway?.baseUrl ?? c.upstreams?.ccgateway?.baseUrl;
    return (t.ccgateway?.agents ?? []).flatMap((a, j) => {
      const key = `${base} ${a.agentId}`;
      const o = owner.get(key);
      owner.set(key, t.id);
      return o !== undefined && o !== t.id
        ? [
            {
              path: ['tenants', i, 'ccgateway', 'agents', j, 'agentId'],
              message: `agent ${a.agentId} on this CC-Gateway is already used by tenant "${o}"`,
            },
          ]
        : [];
    });
  });
};

/** Tenants on one vendor account read each other's calls by id: only if each of them says so. The AK is never quoted. */
export const akIsNotShared: Rule = (c) => {
  const first = new Map<string, string>();
  return eachTenant(c).flatMap(({ t, i }) => {
    const other = first.get(t.ccfs.ak);
    if (other === undefined) {
      first.set(t.ccfs.ak, t.id);
      return [];
    }
    const allowed = t.ccfs.allowSharedAk && c.tenants.some((u) => u?.id === other && u.ccfs.allowSharedAk);
    return allowed
      ? []
      : [
          {
            path: ['tenants', i, 'ccfs', 'ak'],
            message: `the same AK as tenant "${other}": a call id would read that tenant's calls too; set ccfs.allowSharedAk: true on both to accept it`,
          },
        ];
  });
};

const eachIssuer = (c: ParsedSections) => c.issuers.flatMap((iss, i) => (iss ? [{ iss, i }] : []));
const keySources = (iss: z.output<typeof issuerSchema>) =>
  [iss.jwksUri, iss.secret, iss.publicKeyFile ?? iss.publicKeyPem].filter((s) => s !== undefined);

export const issuersAreUnique: Rule = (c) => {
  const seen = new Set<string>();
  return eachIssuer(c).flatMap(({ iss, i }) => {
    const dup = seen.has(iss.issuer);
    seen.add(iss.issuer);
    return dup ? [{ path: ['auth', 'issuers', i, 'issuer'], message: `duplicate issuer "${iss.issuer}"` }] : [];
  });
};

export const issuerHasOneKeySource: Rule = (c) =>
  eachIssuer(c).flatMap(({ iss, i }) =>
    keySources(iss).length === 1
      ? []
      : [
          {
            path: ['auth', 'issuers', i],
            message: 'exactly one key source is required: jwksUri, secret or publicKeyFile',
          },
        ],
  );

/** A shared secret verifies HS* only, and HS* only a shared secret (checked once the key source is clear). */
export const algorithmsFitTheKey: Rule = (c) =>
  eachIssuer(c).flatMap(({ iss, i }) => {
    if (keySources(iss).length !== 1) return [];
    const hmac = iss.algorithms.filter((a) => a.startsWith('HS'));
    const path = ['auth', 'issuers', i, 'algorithms'];
    if (iss.secret !== undefined && hmac.length !== iss.algorithms.length)
      return [{ path, message: 'a shared secret may only be used with HS256/HS384/HS512' }];
    if (iss.secret === undefined && hmac.length > 0)
      return [
        {
          path,
          message: 'HS* algorithms need a shared secret; a public key or JWKS may only be used with RS*, PS* or ES*',
        },
      ];
    return [];
  });

export const issuerTenantsExist: Rule = (c) => {
  const known = new Set(eachTenant(c).map(({ t }) => t.id));
  return eachIssuer(c).flatMap(({ iss, i }) =>
    (iss.tenants ?? []).flatMap((id, j) =>
      known.has(id) ? [] : [{ path: ['auth', 'issuers', i, 'tenants', j], message: `no tenant "${id}" is configured` }],
    ),
  );
};

/** A tenant with the index on needs the index section and its zone (the vendor's times carry none). */
export const indexNeedsItsSettings: Rule = (c) =>
  c.tenants.flatMap((t, i) =>
    t?.index.enabled
      ? [
          ...(c.index ? [] : [{ path: ['index'], message: `required: tenant ${t.id} has index.enabled` }]),
          ...(t.timeZone ? [] : [{ path: ['tenants', i, 'timeZone'], message: 'required when index.enabled is true' }]),
        ]
      : [],
  );

/** The embedded index database is one process's file: several instances or workers need PostgreSQL. */
export const sharedIndexNeedsPostgres: Rule = ({ index, store, server }) =>
  index && !index.database.url && (store?.type === 'redis' || (server && server.workers !== 1))
    ? [
        {
          path: ['index', 'database', 'url'],
          message:
            'required when store.type is redis or server.workers is not 1: the embedded index database serves one process only',
        },
      ]
    : [];

export const RULES: readonly Rule[] = [
  indexNeedsItsSettings,
  sharedIndexNeedsPostgres,
  redisNeedsUrlAndSealSecret,
  workersNeedRedis,
  workersNeedAMetricsPort,
  tenantIdsAreUnique,
  eachVdnHasOneTenant,
  agentsNeedACcGateway,
  agentIdsAreUnique,
  agentsAreNotShared,
  akIsNotShared,
  issuersAreUnique,
  issuerHasOneKeySource,
  algorithmsFitTheKey,
  issuerTenantsExist,
];
