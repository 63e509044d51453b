/** The config file's shape: its sections, each in a file of its own under sections/. */
import { z } from 'zod';
import { authSchema } from './sections/auth.js';
import { downloadsSchema } from './sections/downloads.js';
import { indexSchema } from './sections/index.js';
import { auditSchema, loggingSchema, metricsSchema } from './sections/observability.js';
import { serverSchema } from './sections/server.js';
import { storeSchema } from './sections/store.js';
import { telemetrySchema } from './sections/telemetry.js';
import { tenantSchema } from './sections/tenants.js';
import { upstreamsSchema } from './sections/upstreams.js';

export const configSchema = z.strictObject({
  server: serverSchema,
  store: storeSchema.prefault({}),
  logging: loggingSchema,
  audit: auditSchema,
  metrics: metricsSchema,
  auth: authSchema,
  upstreams: upstreamsSchema,
  downloads: downloadsSchema,
  index: indexSchema.optional(),
  telemetry: telemetrySchema.prefault({}),
  tenants: z.array(tenantSchema).min(1),
});
