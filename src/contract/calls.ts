/**
 * The index routes' schemas (contract 6): the search query, the call and recording answers, the
 * status and the backfill. The answer schemas are the document's; the routes build answers of
 * these types.
 */
import { z } from 'zod';

const INSTANT = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/,
    'must be an ISO 8601 instant with a zone, such as 2026-11-25T00:00:00+08:00',
  )
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be a real date and time');

const NUMBER = (description: string) =>
  z
    .string()
    .max(40, 'must be at most 40 characters')
    .regex(/\d/, 'must hold at least one digit')
    .meta({ description: `${description}; matched on its digits only`, examples: ['+86 138-0013-8000'] });

export const searchCallsQuery = z.strictObject({
  from: INSTANT.meta({
    description: 'calls that began at or after this instant',
    examples: ['2026-11-25T00:00:00+08:00'],
  }),
  to: INSTANT.meta({ description: 'calls that began before this instant', examples: ['2026-11-26T00:00:00+08:00'] }),
  callId: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,25}$/, 'callId must be 1 to 25 characters of [A-Za-z0-9._-]')
    .optional(),
  agentId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'agentId must be 1 to 32 characters of [A-Za-z0-9_-]')
    .optional(),
  callerNo: NUMBER('the calling number').optional(),
  calleeNo: NUMBER('the called number').optional(),
  number: NUMBER('either party').optional(),
  vdnId: z
    .string()
    .regex(/^[0-9]{1,9}$/, 'vdnId must be a number')
    .optional()
    .meta({ description: "one of the tenant's VDNs" }),
  hasRecording: z.enum(['true', 'false']).optional(),
  limit: z
    .string()
    .regex(/^[0-9]{1,3}$/, 'limit must be a number from 1 to 200')
    .refine((s) => Number(s) >= 1 && Number(s) <= 200, 'limit must be a number from 1 to 200')
    .optional()
    .meta({ description: '1 to 200, default 50' }),
  cursor: z
    .string()
    .max(512, 'cursor is not one this gateway gave')
    .optional()
    .meta({ description: '`next` of the previous page' }),
});

const recording = z.object({
  fileName: z
    .string()
    .meta({ description: 'original_file_name with / for \\: the input of getRecording and createPlayback' }),
  agentId: z.string().nullable(),
  begin: z.string().nullable(),
  end: z.string().nullable(),
  mediaType: z.string().nullable(),
  download: z.string().meta({ description: 'the getRecording path for this recording' }),
});

export const callItem = z.object({
  callId: z.string(),
  ccId: z.string().nullable(),
  vdnId: z.number().nullable(),
  agentId: z.string().nullable(),
  callerNo: z.string().nullable().meta({ description: 'last four digits only when the tenant masks numbers' }),
  calleeNo: z.string().nullable(),
  begin: z.string().meta({ description: "ISO 8601 with the tenant's offset" }),
  end: z.string().nullable(),
  durationSec: z.number().nullable(),
  callType: z.string().nullable(),
  recordings: z.array(recording),
});

export const callPage = z.object({
  items: z.array(callItem),
  next: z.string().nullable().meta({ description: 'the cursor of the next page, null on the last' }),
});

const leg = z.object({
  deviceType: z.string().nullable(),
  deviceNo: z.string().nullable(),
  waitBegin: z.string().nullable(),
  waitEnd: z.string().nullable(),
  ackBegin: z.string().nullable(),
  ackEnd: z.string().nullable(),
  begin: z.string().nullable(),
  end: z.string().nullable(),
  releaseCause: z.string().nullable(),
});

export const callDetail = callItem.extend({ legs: z.array(leg) });

export const indexStatus = z.object({
  enabled: z.boolean(),
  engine: z.string(),
  newestWindowEnd: z.string().nullable(),
  lagSec: z.number().nullable(),
  rows: z.object({ calls: z.number(), recordings: z.number(), legs: z.number() }),
  jobs: z.array(
    z.object({
      id: z.string(),
      kind: z.enum(['schedule', 'backfill']),
      from: z.string(),
      to: z.string(),
      state: z.string(),
      attempts: z.number(),
      lastError: z.string().nullable(),
    }),
  ),
  pausedUntil: z.string().nullable(),
  lastError: z.object({ code: z.string(), at: z.string() }).nullable(),
});

export const backfillBody = z
  .strictObject({
    from: INSTANT,
    to: INSTANT,
  })
  .meta({ examples: [{ from: '2026-11-01T00:00:00+08:00', to: '2026-11-08T00:00:00+08:00' }] });

export const backfillAnswer = z.object({ id: z.string(), windows: z.number() });

export const callbackParams = z.strictObject({
  jobId: z.string().max(64),
  token: z.string().max(128),
});
