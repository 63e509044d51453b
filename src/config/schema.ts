/**
 * The one configuration schema. Key names follow `shared/spec/config.example.yaml` (part of the
 * contract); siblings added here are documented in the README. Defaults live here and nowhere else.
 */
import { z } from 'zod';

/** Contract section 2: the vendor defaults for every path rule. */
export const DEFAULT_PATH_RULES = {
  recordings: '/%VDNNO%/',
  ivrDownload: '/voice/%VDNNO%/IVRrecordFile;/3rdfile/%VDNNO%/IVRrecordFile;/3rdfile/%VDNNO%/thirdvoicebotfile',
  ivrUpload: '/3rdfile/%VDNNO%/thirdvoicebotfile/',
  agentRecordings: '/%VDNNO%/',
  agentMessageRecordings: '/%VDNNO%/record/;/3rdfile/%VDNNO%/record/',
} as const;

export const JWT_ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** Keys whose values are secrets: they must come from `${ENV}` or `${file:...}` references. */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  'ak',
  'sk',
  'secret',
  'password',
  'playbackSecret',
  'sealSecret',
]);

const httpUrl = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return (
      (u.protocol === 'http:' || u.protocol === 'https:') &&
      (u.pathname === '/' || u.pathname === '') &&
      !u.search &&
      !u.username
    );
  } catch {
    return false;
  }
}, 'must be an http(s) URL of the form scheme://host[:port] with no path, query or credentials');

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;
/** A key endpoint: https, or plain http on loopback only (a local IdP in development). */
const jwksUrl = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return !u.username && (u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.test(u.hostname)));
  } catch {
    return false;
  }
}, 'must be an https URL (plain http only on a loopback address)');

const ms = (def: number) =>
  z
    .number()
    .int()
    .positive()
    .max(24 * 3600 * 1000)
    .default(def);

/** Everything that shapes one vendor connection pool; a tenant may override any of it. */
const upstreamFields = {
  baseUrl: httpUrl,
  /** The Host value sent and signed, when it must differ from the baseUrl's host:port. */
  signedHost: z
    .string()
    .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-fA-F:.]+\](:\d{1,5})?$/, 'must be host[:port]')
    .optional(),
  caFile: z.string().min(1).optional(),
  connectTimeoutMs: ms(3000),
  headersTimeoutMs: ms(15000),
  /** Longest silence allowed inside a streaming body. */
  idleTimeoutMs: ms(30000),
  connections: z.number().int().min(1).max(4096).default(64),
  /** The share of `connections` one tenant may hold at once (0.5: half the pool). */
  maxTenantShare: z.number().gt(0).max(1).default(0.5),
  /** Longest a request waits for a free connection; then 503 with Retry-After. */
  queueTimeoutMs: z.number().int().min(1).max(60_000).default(2000),
  /** Idle keep-alive sockets are closed after this; keep it below the vendor's own idle timeout. */
  keepAliveTimeoutMs: ms(4000),
  /** Extra attempts for a read that failed before any byte reached the client (uploads: never). */
  retries: z.number().int().min(0).max(5).default(2),
  retryBaseMs: z.number().int().min(1).max(10_000).default(100),
  breaker: z
    .strictObject({
      errorThresholdPercentage: z.number().min(1).max(100).default(50),
      volumeThreshold: z.number().int().min(1).default(10),
      resetTimeoutMs: ms(10_000),
      rollingWindowMs: ms(10_000),
    })
    .prefault({}),
};
const upstreamSchema = z.strictObject(upstreamFields);
/** CC-Gateway adds the agent session loop (cc-protocol 2.3). */
const ccgatewaySchema = z.strictObject({
  ...upstreamFields,
  /** Pause between two event polls (the vendor asks for 200-500 ms). */
  pollIntervalMs: z.number().int().min(0).max(60_000).default(300),
  /** Longest a poll may take: above the vendor's long-poll wait (about 10 s). */
  pollTimeoutMs: ms(30_000),
  /** Longest a sign-in or sign-out may take. */
  signInTimeoutMs: ms(10_000),
  /** After the vendor refused a sign-in, requests get 503 at once for this long (no password hammering). */
  signInRetryAfterMs: ms(15_000),
});

/**
 * A tenant's override: the same fields with the same bounds, every one optional and without its
 * default, derived from the global schema so that no bound is copied by hand (and none is lost).
 */
function overrideOf(schema: z.ZodObject): z.ZodObject {
  const shape = Object.fromEntries(
    Object.entries(schema.shape).map(([key, field]) => {
      let inner = field as z.ZodType;
      while (inner instanceof z.ZodDefault || inner instanceof z.ZodPrefault || inner instanceof z.ZodOptional)
        inner = inner.unwrap() as z.ZodType;
      return [key, (inner instanceof z.ZodObject ? overrideOf(inner) : inner).optional()];
    }),
  );
  return z.strictObject(shape);
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
type UpstreamOverride = DeepPartial<z.output<typeof ccgatewaySchema>>;
const upstreamOverrideSchema = overrideOf(ccgatewaySchema) as unknown as z.ZodType<UpstreamOverride>;
const ccfsOverrideSchema = overrideOf(upstreamSchema) as unknown as z.ZodType<
  DeepPartial<z.output<typeof upstreamSchema>>
>;

function mergeUpstream<C extends z.output<typeof upstreamSchema>>(base: C, override: UpstreamOverride | undefined): C {
  const defined = Object.fromEntries(Object.entries(override ?? {}).filter(([, v]) => v !== undefined));
  return { ...base, ...defined, breaker: { ...base.breaker, ...override?.breaker } };
}

const ruleString = z
  .string()
  .min(1)
  .max(4096)
  .refine(
    (rule) =>
      rule
        .split(';')
        .map((p) => p.trim())
        .filter(Boolean)
        .every((p) => p.startsWith('/')),
    'each `;`-separated prefix must start with "/"',
  );

const pathRulesSchema = z.strictObject({
  recordings: ruleString.default(DEFAULT_PATH_RULES.recordings),
  ivrDownload: ruleString.default(DEFAULT_PATH_RULES.ivrDownload),
  ivrUpload: ruleString.default(DEFAULT_PATH_RULES.ivrUpload),
  agentRecordings: ruleString.default(DEFAULT_PATH_RULES.agentRecordings),
  agentMessageRecordings: ruleString.default(DEFAULT_PATH_RULES.agentMessageRecordings),
});

const agentSchema = z.strictObject({
  agentId: z
    .union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)])
    .pipe(z.number().int().min(101).max(999999)),
  password: z.string().min(1).max(32),
  phoneNumber: z.string().regex(/^[0-9*#+]{1,24}$/, 'must be 1 to 24 digits'),
  allowForceLogin: z.boolean().default(false),
  agentType: z.number().int().default(4),
  /** State after sign-in: 3 busy keeps the service account from being offered calls. */
  status: z.number().int().min(3).max(5).default(3),
});

const limitsSchema = z.strictObject({
  uploadMaxBytes: z
    .number()
    .int()
    .min(44)
    .max(512 * 1024 * 1024)
    .default(5 * 1024 * 1024),
  requestsPerSecond: z.number().positive().default(50),
  burst: z.number().int().positive().default(100),
  concurrentStreams: z.number().int().positive().default(20),
  /** Playback URLs (3.4) are limited apart from the API: streams of the tenant's playback at once. */
  playbackConcurrentStreams: z.number().int().positive().default(20),
  /** Streams of one playback URL at once (a browser may open a few while it seeks). */
  playbackStreamsPerId: z.number().int().positive().default(3),
  /** Requests for one playback URL: a bucket of `playbackBurstPerId` refilled at this rate. */
  playbackRequestsPerSecondPerId: z.number().positive().default(2),
  playbackBurstPerId: z.number().int().positive().default(20),
});

const vdnId = z
  .union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)])
  .pipe(z.number().int().min(1).max(999999));

const tenantSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be 1 to 64 characters of [A-Za-z0-9_.-]'),
  vdnIds: z.array(vdnId).min(1),
  /** Default `ccId` sent to CC-FS when the caller gives none. */
  ccId: z
    .string()
    .regex(/^[0-9]{1,10}$/)
    .optional(),
  ccfs: z.strictObject({ ak: z.string().min(1).max(256), sk: z.string().min(1).max(1024) }),
  pathRules: pathRulesSchema.prefault({}),
  ccgateway: z.strictObject({ agents: z.array(agentSchema).min(1) }).optional(),
  limits: limitsSchema.prefault({}),
  upstreams: z
    .strictObject({ ccfs: ccfsOverrideSchema.optional(), ccgateway: upstreamOverrideSchema.optional() })
    .optional(),
});

const issuerSchema = z.strictObject({
  issuer: z.string().min(1),
  audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  algorithms: z.array(z.enum(JWT_ALGORITHMS)).min(1),
  jwksUri: jwksUrl.optional(),
  /** Trust anchor for the JWKS endpoint's certificate (default: the system's CAs). */
  caFile: z.string().min(1).optional(),
  secret: z.string().min(32, 'an HMAC secret must be at least 32 characters').optional(),
  publicKeyFile: z.string().min(1).optional(),
  /** Filled by the loader from publicKeyFile: the PEM text. */
  publicKeyPem: z.string().optional(),
  /** A fetched key set is fresh this long; the next token after that refetches it. */
  jwksCacheMaxAgeMs: ms(10 * 60 * 1000),
  /** While the endpoint fails, the last good key set keeps working this long after it was fetched. */
  jwksMaxStaleMs: ms(24 * 3600 * 1000),
  /** At most this many fetches a minute: one per 60 s / n however many unknown `kid`s arrive. */
  jwksRequestsPerMinute: z.number().int().positive().max(600).default(10),
  /** Total deadline of one key fetch, headers and body. */
  jwksTimeoutMs: z.number().int().min(100).max(60_000).default(5000),
});

const serverSchema = z.strictObject({
  host: z.string().default('0.0.0.0'),
  port: z.number().int().min(0).max(65535).default(8080),
  trustProxy: z.union([z.boolean(), z.number().int().min(0), z.string()]).default(false),
  /**
   * Drain, grace and the sign-out margin (3 s) add up to 28 s: inside Kubernetes' default 30 s
   * termination grace. Raise them only with the platform's stop timeout (see the README's Deploy).
   */
  shutdownGraceMs: ms(20000),
  /** On shutdown, /readyz answers 503 this long before the listener closes, so load balancers look elsewhere first. */
  drainDelayMs: z.number().int().min(0).max(600_000).default(5000),
  /** Worker processes sharing the port (`node:cluster`): `auto` is one per core. Needs `store.type: redis` above 1. */
  workers: z.union([z.literal('auto'), z.number().int().min(1).max(256)]).default(1),
  cors: z
    .strictObject({
      allowedOrigins: z
        .array(z.string().regex(/^https?:\/\/[^/]+$/, 'must be an origin: scheme://host[:port]'))
        .default([]),
    })
    .prefault({}),
  /** Time allowed to receive a request's headers (slowloris guard). */
  headersTimeoutMs: ms(10000),
  /** Time allowed to receive a whole request, body included. */
  requestTimeoutMs: ms(60000),
  keepAliveTimeoutMs: ms(5000),
  maxHeaderBytes: z.number().int().min(1024).max(65536).default(16384),
  /** Key from which playback ids are sealed (AES-256-GCM); share it across instances. */
  playbackSecret: z.string().min(32, 'must be at least 32 characters'),
  /** Where uploads are spooled while they are checked and encoded (default: the OS temp dir). */
  spoolDir: z.string().min(1).optional(),
  /** Largest JSON request body. */
  jsonBodyMaxBytes: z
    .number()
    .int()
    .min(1024)
    .max(16 * 1024 * 1024)
    .default(64 * 1024),
  /** Longest request URL (path and query); longer is 400 before any other work. */
  maxUrlBytes: z.number().int().min(256).max(65536).default(8192),
});

/**
 * Where state that instances must agree on lives: the tenant limits and the agent sessions.
 * `memory` is one process; `redis` is any number of instances and workers sharing one Redis.
 */
const storeSchema = z.strictObject({
  type: z.enum(['memory', 'redis']).default('memory'),
  /** `redis://host:port[/db]` or `rediss://` for TLS; credentials go in `username` and `password`. */
  url: z
    .string()
    .refine((s) => {
      try {
        const u = new URL(s);
        return (u.protocol === 'redis:' || u.protocol === 'rediss:') && !u.username && !u.password && !u.search;
      } catch {
        return false;
      }
    }, 'must be redis://host:port[/db] or rediss://..., without credentials (use username and password)')
    .optional(),
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  /** Trust anchor for a `rediss://` server's certificate (default: the system's CAs). */
  caFile: z.string().min(1).optional(),
  /** Prefix of every key, so that several gateways can share one Redis. */
  keyPrefix: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1 to 64 characters of [A-Za-z0-9_.:-]')
    .default('ccgw:'),
  connectTimeoutMs: z.number().int().min(100).max(60_000).default(2000),
  /** A command slower than this counts as a store failure (the request goes on with the fallback). */
  commandTimeoutMs: z.number().int().min(10).max(10_000).default(500),
  /** Key from which the Guids and cookies kept in Redis are sealed (AES-256-GCM); the same on every instance. */
  sealSecret: z.string().min(32, 'must be at least 32 characters').optional(),
  /** An agent's lease: its owner renews it every third of this; a dead owner's lease is taken over after it. */
  leaseTtlMs: z.number().int().min(500).max(120_000).default(10_000),
  /** An instance not heard of for this long is dead: its stream slots are freed and it no longer counts. */
  instanceTtlMs: z.number().int().min(500).max(120_000).default(15_000),
});

/** The download routes a cut vendor stream may be resumed on (issue 21), by their contract names. */
export const DOWNLOAD_ROUTES = [
  'getRecording',
  'getCallRecordings',
  'streamPlayback',
  'getIvrFile',
  'getAgentRecording',
] as const;
export type DownloadRoute = (typeof DOWNLOAD_ROUTES)[number];

const resumeSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Resumes of one download; each asks the vendor again and re-reads what was already sent. */
  maxAttempts: z.number().int().min(0).max(10).default(2),
  /** The vendor has no ranges: a resume re-reads the prefix, so a stream cut past this many bytes is not resumed. */
  maxBytes: z
    .number()
    .int()
    .min(0)
    .max(64 * 1024 ** 3)
    .default(256 * 1024 * 1024),
});
const resumeOverrideSchema = overrideOf(resumeSchema) as unknown as z.ZodType<
  DeepPartial<z.output<typeof resumeSchema>>
>;

export const configSchema = z
  .strictObject({
    server: serverSchema,
    store: storeSchema.prefault({}),
    logging: z
      .strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .prefault({}),
    /** One JSON line per access to a recording or file: `stdout`, `stderr`, `off` or a file path. */
    audit: z.strictObject({ destination: z.string().min(1).default('stderr') }).prefault({}),
    /** Prometheus text at GET /metrics; with `port`, on a listener of its own instead of the API's. */
    metrics: z
      .strictObject({
        enabled: z.boolean().default(true),
        port: z.number().int().min(0).max(65535).optional(),
        host: z.string().default('127.0.0.1'),
      })
      .prefault({}),
    auth: z.strictObject({
      tenantClaim: z.string().min(1).default('tenant'),
      clockToleranceSec: z.number().int().min(0).max(600).default(30),
      /** Tokens longer than this are refused before any parsing. */
      maxTokenBytes: z.number().int().min(512).max(65536).default(8192),
      issuers: z.array(issuerSchema).min(1),
      /**
       * Failed authentications per client address (the socket's, or the one `trustProxy` derives): a
       * token bucket of `burst`, refilled at `perMinute`. Over it, the address gets 429 before any
       * token is parsed. Keyed on the address, never the tenant, so no one can lock a tenant out.
       */
      failedAuthLimit: z
        .strictObject({
          enabled: z.boolean().default(true),
          perMinute: z.number().positive().max(100_000).default(60),
          burst: z.number().int().positive().max(100_000).default(30),
          /** CIDRs exempt from the budget (a trusted network, the health checker). */
          trustedNetworks: z
            .array(z.string().regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, 'must be a CIDR such as 10.0.0.0/8'))
            .default([]),
        })
        .prefault({}),
    }),
    upstreams: z.strictObject({ ccfs: upstreamSchema, ccgateway: ccgatewaySchema.optional() }),
    /** Downloads whose vendor stream was cut are asked for again and resumed after a verified prefix. */
    downloads: z
      .strictObject({
        resume: resumeSchema
          .extend({
            /** Per route: any key of `resume`, on top of the global values. */
            routes: z.partialRecord(z.enum(DOWNLOAD_ROUTES), resumeOverrideSchema).default({}),
          })
          .prefault({}),
      })
      .prefault({}),
    tenants: z.array(tenantSchema).min(1),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.store.type === 'redis') {
      if (!cfg.store.url)
        ctx.addIssue({ code: 'custom', path: ['store', 'url'], message: 'required when type is redis' });
      if (!cfg.store.sealSecret)
        ctx.addIssue({ code: 'custom', path: ['store', 'sealSecret'], message: 'required when type is redis' });
      if (cfg.server.workers !== 1 && cfg.metrics.enabled && cfg.metrics.port === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['metrics', 'port'],
          message:
            "several workers need metrics.port: there the primary serves all workers' metrics summed (on the API port each answer would be one worker's)",
        });
    } else if (cfg.server.workers !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['server', 'workers'],
        message:
          'several workers need store.type redis: on the memory store each worker would sign the same agents in and enforce the whole limit',
      });
    }
    const seenTenants = new Map<string, number>();
    const vdnOwner = new Map<number, string>();
    cfg.tenants.forEach((t, i) => {
      if (seenTenants.has(t.id))
        ctx.addIssue({ code: 'custom', path: ['tenants', i, 'id'], message: `duplicate tenant id "${t.id}"` });
      seenTenants.set(t.id, i);
      t.vdnIds.forEach((v, j) => {
        const owner = vdnOwner.get(v);
        if (owner !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['tenants', i, 'vdnIds', j],
            message: `VDN ${v} is already owned by tenant "${owner}"`,
          });
        else vdnOwner.set(v, t.id);
      });
      if (t.ccgateway && !cfg.upstreams.ccgateway && !t.upstreams?.ccgateway?.baseUrl) {
        ctx.addIssue({
          code: 'custom',
          path: ['tenants', i, 'ccgateway'],
          message: 'agents are configured but no CC-Gateway baseUrl (upstreams.ccgateway or the tenant override)',
        });
      }
      const agentIds = new Set<number>();
      t.ccgateway?.agents.forEach((a, j) => {
        if (agentIds.has(a.agentId))
          ctx.addIssue({
            code: 'custom',
            path: ['tenants', i, 'ccgateway', 'agents', j, 'agentId'],
            message: `duplicate agent ${a.agentId}`,
          });
        agentIds.add(a.agentId);
      });
    });
    // One session per agent on a CC-Gateway: two tenants signing the same agent in would evict each other.
    const agentOwner = new Map<string, string>();
    cfg.tenants.forEach((t, i) => {
      const base = t.upstreams?.ccgateway?.baseUrl ?? cfg.upstreams.ccgateway?.baseUrl;
      t.ccgateway?.agents.forEach((a, j) => {
        const key = `${base} ${a.agentId}`;
        const owner = agentOwner.get(key);
        if (owner !== undefined && owner !== t.id)
          ctx.addIssue({
            code: 'custom',
            path: ['tenants', i, 'ccgateway', 'agents', j, 'agentId'],
            message: `agent ${a.agentId} on this CC-Gateway is already used by tenant "${owner}"`,
          });
        agentOwner.set(key, t.id);
      });
    });
    const seenIssuers = new Set<string>();
    cfg.auth.issuers.forEach((iss, i) => {
      if (seenIssuers.has(iss.issuer))
        ctx.addIssue({
          code: 'custom',
          path: ['auth', 'issuers', i, 'issuer'],
          message: `duplicate issuer "${iss.issuer}"`,
        });
      seenIssuers.add(iss.issuer);
      const sources = [iss.jwksUri, iss.secret, iss.publicKeyFile ?? iss.publicKeyPem].filter((s) => s !== undefined);
      if (sources.length !== 1) {
        ctx.addIssue({
          code: 'custom',
          path: ['auth', 'issuers', i],
          message: 'exactly one key source is required: jwksUri, secret or publicKeyFile',
        });
        return;
      }
      const hmac = iss.algorithms.filter((a) => a.startsWith('HS'));
      if (iss.secret !== undefined && hmac.length !== iss.algorithms.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['auth', 'issuers', i, 'algorithms'],
          message: 'a shared secret may only be used with HS256/HS384/HS512',
        });
      }
      if (iss.secret === undefined && hmac.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['auth', 'issuers', i, 'algorithms'],
          message: 'HS* algorithms need a shared secret; a public key or JWKS may only be used with RS*, PS* or ES*',
        });
      }
    });
  })
  .transform((cfg) => ({
    ...cfg,
    downloads: { resume: resolveResume(cfg.downloads.resume) },
    // Each tenant's endpoints, resolved once here: the global settings with the tenant's override on top.
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
  }));

export type ResumePolicy = z.output<typeof resumeSchema>;

/** Each download route's resume policy: the global values with the route's own on top. */
function resolveResume({
  routes,
  ...global
}: ResumePolicy & { routes: Partial<Record<DownloadRoute, Partial<ResumePolicy>>> }): Record<
  DownloadRoute,
  ResumePolicy
> {
  return Object.fromEntries(DOWNLOAD_ROUTES.map((r) => [r, { ...global, ...routes[r] }])) as Record<
    DownloadRoute,
    ResumePolicy
  >;
}

export type GatewayConfig = z.output<typeof configSchema>;
export type TenantConfig = GatewayConfig['tenants'][number];
export type IssuerConfig = GatewayConfig['auth']['issuers'][number];
export type UpstreamConfig = z.output<typeof upstreamSchema>;
export type CcgatewayConfig = z.output<typeof ccgatewaySchema>;
/** One tenant's endpoint as resolved: `label` names it in metrics and readiness without an address. */
export type ResolvedUpstream = TenantConfig['upstreams']['ccfs'];
export type ResolvedCcgateway = NonNullable<TenantConfig['upstreams']['ccgateway']>;
export type AgentConfig = NonNullable<TenantConfig['ccgateway']>['agents'][number];
export type PathRuleName = keyof typeof DEFAULT_PATH_RULES;
