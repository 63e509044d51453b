/** `tenants`: each tenant's VDNs, vendor keys, path rules, agents, limits and endpoint overrides. */
import { z } from 'zod';
import { tenantIndexSchema } from './index.js';
import { ccfsOverrideSchema, upstreamOverrideSchema } from './upstreams.js';

/** Contract section 2: the vendor defaults for every path rule. */
export const DEFAULT_PATH_RULES = {
  recordings: '/%VDNNO%/',
  ivrDownload: '/voice/%VDNNO%/IVRrecordFile;/3rdfile/%VDNNO%/IVRrecordFile;/3rdfile/%VDNNO%/thirdvoicebotfile',
  ivrUpload: '/3rdfile/%VDNNO%/thirdvoicebotfile/',
  agentRecordings: '/%VDNNO%/',
  agentMessageRecordings: '/%VDNNO%/record/;/3rdfile/%VDNNO%/record/',
} as const;

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
  /**
   * A range on a playback URL makes the gateway read (and, for pcm16, decode) the bytes before it
   * and drop them. One request may make it skip this many; a range past it is answered with the
   * whole recording (RFC 9110 lets a server ignore a Range), which the client must then read.
   */
  playbackRangeSkipMaxBytes: z
    .number()
    .int()
    .min(0)
    .default(64 * 1024 * 1024),
  /** Bytes one playback URL may make the gateway skip a minute; past it, 429. */
  playbackRangeSkipBytesPerMinutePerId: z
    .number()
    .int()
    .positive()
    .default(256 * 1024 * 1024),
});

/** Whether the runtime knows an IANA zone. */
function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const vdnId = z
  .union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)])
  .pipe(z.number().int().min(1).max(999999));

export const tenantSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be 1 to 64 characters of [A-Za-z0-9_.-]'),
  vdnIds: z.array(vdnId).min(1),
  /** Default `ccId` sent to CC-FS when the caller gives none. */
  ccId: z
    .string()
    .regex(/^[0-9]{1,10}$/)
    .optional(),
  ccfs: z.strictObject({
    ak: z.string().min(1).max(256),
    sk: z.string().min(1).max(1024),
    /**
     * Another tenant has the same AK (one vendor account): a call id then reads that tenant's
     * calls too. Refused unless every tenant on the AK says so here.
     */
    allowSharedAk: z.boolean().default(false),
  }),
  /** The IANA zone of the vendor's wall-clock times (required with the index). */
  timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Asia/Shanghai').optional(),
  index: tenantIndexSchema.prefault({}),
  pathRules: pathRulesSchema.prefault({}),
  ccgateway: z.strictObject({ agents: z.array(agentSchema).min(1) }).optional(),
  limits: limitsSchema.prefault({}),
  upstreams: z
    .strictObject({ ccfs: ccfsOverrideSchema.optional(), ccgateway: upstreamOverrideSchema.optional() })
    .optional(),
});
