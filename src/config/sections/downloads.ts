/** `downloads`: resuming a cut vendor stream, globally and per route. */
import { z } from 'zod';
import { type DeepPartial, overrideOf } from './fields.js';

/** The download routes a cut vendor stream may be resumed on (issue 21), by their contract names. */
export const DOWNLOAD_ROUTES = [
  'getRecording',
  'getCallRecordings',
  'streamPlayback',
  'getIvrFile',
  'getAgentRecording',
] as const;
export type DownloadRoute = (typeof DOWNLOAD_ROUTES)[number];

export const resumeSchema = z.strictObject({
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

export const downloadsSchema = z
  .strictObject({
    /**
     * A download or relayed answer whose client takes no bytes for this long (its connection full)
     * is ended and its vendor stream released; 0 never ends one. A paused player's stream is among
     * them: the browser asks again with a Range when it plays on.
     */
    readerIdleTimeoutMs: z
      .number()
      .int()
      .min(0)
      .max(3600 * 1000)
      .default(60_000),
    resume: resumeSchema
      .extend({
        /** Per route: any key of `resume`, on top of the global values. */
        routes: z.partialRecord(z.enum(DOWNLOAD_ROUTES), resumeOverrideSchema).default({}),
      })
      .prefault({}),
  })
  .prefault({});

export type ResumePolicy = z.output<typeof resumeSchema>;

/** Each download route's resume policy: the global values with the route's own on top. */
export function resolveResume({
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
