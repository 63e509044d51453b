/** Contract as OpenAPI 3.1 (contract 3.9). Kept beside the routers; a test checks every route is in it. */
import { ERROR_CATALOGUE } from '../errors/catalogue.js';

const problem = { $ref: '#/components/responses/Problem' };
const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [String(s), problem]));
const file = (desc: string) => ({
  description: desc,
  headers: {
    'Content-Disposition': { schema: { type: 'string' }, description: 'attachment; filename="<base name>"' },
    'Content-Length': { schema: { type: 'integer' }, description: 'when the vendor gives one' },
  },
  content: {
    'audio/wav': { schema: { type: 'string', format: 'binary' } },
    'application/zip': { schema: { type: 'string', format: 'binary' } },
    'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
  },
});
const q = (name: string, description: string, required = false, schema: object = { type: 'string' }) => ({
  name,
  in: 'query',
  required,
  description,
  schema,
});
const bearer = (scope: string) => [{ bearer: [scope] }];

export function openApiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'cc-file-gateway',
      version: '1.0.0',
      description:
        'JWT-authenticated access to contact-center recordings and IVR files (CC-FS and CC-Gateway). Errors are RFC 9457 problem+json.',
    },
    paths: {
      '/v1/recordings': {
        get: {
          summary: 'One call recording by its original_file_name (3.1)',
          security: bearer('recordings:read'),
          parameters: [
            q('fileName', 'e.g. Y:/53/0/20261125/1001/4411223.V3; backslashes accepted', true),
            q('ccId', '1 to 10 digits; the tenant default when absent'),
          ],
          responses: { 200: file('the recording'), ...errors(400, 401, 403, 404, 429, 502, 503, 504) },
        },
      },
      '/v1/calls/{callId}/recordings': {
        get: {
          summary: 'Every recording of one call: one WAV, or a zip (3.2)',
          security: bearer('recordings:read'),
          parameters: [
            {
              name: 'callId',
              in: 'path',
              required: true,
              schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,25}$' },
            },
            q('ccId', '1 to 10 digits'),
          ],
          responses: { 200: file('a WAV or a zip'), ...errors(400, 401, 403, 404, 429, 502, 503, 504) },
        },
      },
      '/v1/recordings/playback': {
        post: {
          summary: 'A playback URL for a browser <audio> element (3.3)',
          security: bearer('recordings:read'),
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['fileName'],
                  properties: { fileName: { type: 'string' } },
                },
              },
            },
          },
          responses: {
            201: {
              description: 'created',
              headers: { Location: { schema: { type: 'string' } } },
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['url', 'expiresAt'],
                    properties: { url: { type: 'string' }, expiresAt: { type: 'string', format: 'date-time' } },
                  },
                },
              },
            },
            ...errors(400, 401, 403, 404, 413, 429, 502, 503, 504),
          },
        },
      },
      '/v1/recordings/playback/{playbackId}': {
        get: {
          summary: 'Stream a recording; the id is the credential, no Authorization (3.4)',
          security: [],
          parameters: [{ name: 'playbackId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: file('the audio'), ...errors(404, 429, 502, 503, 504) },
        },
      },
      '/v1/ivr-files': {
        get: {
          summary: 'An IVR or third-party file by path, or the one file in a folder (3.5)',
          security: bearer('ivr-files:read'),
          parameters: [
            q('path', 'full file path; exactly one of path and dir'),
            q('dir', 'a folder holding exactly one file'),
          ],
          responses: { 200: file('the file'), ...errors(400, 401, 403, 404, 429, 502, 503, 504) },
        },
        post: {
          summary: 'Upload a WAV (8 bit, 8000 Hz, mono, A-law or mu-law) as a third-party file (3.6)',
          description:
            'The raw file is the body. Refused with 413 from Content-Length before the body is read, or as soon as a chunked body passes the limit; 415 when not a WAV; 422 naming every format field that is off. Never retried.',
          security: bearer('ivr-files:write'),
          parameters: [
            q('vdnId', 'required when the tenant has several VDNs', false, { type: 'string', pattern: '^[0-9]{1,9}$' }),
          ],
          requestBody: {
            required: true,
            content: Object.fromEntries(
              ['audio/wav', 'audio/x-wav', 'audio/wave'].map((t) => [
                t,
                { schema: { type: 'string', format: 'binary' } },
              ]),
            ),
          },
          responses: {
            201: {
              description: 'stored; Location reads it back through GET /v1/ivr-files',
              headers: { Location: { schema: { type: 'string' } } },
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['fileName', 'locationIds'],
                    properties: {
                      fileName: { type: 'string' },
                      locationIds: { type: 'array', items: { type: 'string' } },
                    },
                  },
                },
              },
            },
            ...errors(400, 401, 403, 413, 415, 422, 429, 502, 503, 504),
          },
        },
      },
      '/v1/ccfs/{operation}': {
        post: {
          summary: "The vendor's native CC-FS envelope, signed by the gateway (3.7)",
          description:
            'The body is {"request":{"version":"2.0"},"msgBody":{...}}, checked against the tenant\'s path rules and re-serialised. A vendor answer with HTTP 200 (file or JSON, business errors included) is streamed back as the vendor sent it, without hop-by-hop headers or cookies; any other vendor status becomes a problem.',
          security: bearer('ccfs:native'),
          parameters: [
            {
              name: 'operation',
              in: 'path',
              required: true,
              schema: { enum: ['downloadRecord', 'requestPlayVoice', 'ivr/downloadFile', 'ivr/uploadFile'] },
            },
            q('vdnId', 'ivr/uploadFile only; required when the tenant has several VDNs', false, {
              type: 'string',
              pattern: '^[0-9]{1,9}$',
            }),
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['request', 'msgBody'],
                  properties: {
                    request: { type: 'object', properties: { version: { const: '2.0' } } },
                    msgBody: { type: 'object' },
                  },
                },
              },
            },
          },
          responses: {
            200: {
              description: "the vendor's answer",
              content: {
                'application/json': { schema: { type: 'object' } },
                'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
              },
            },
            ...errors(400, 401, 403, 404, 405, 413, 415, 422, 429, 502, 503, 504),
          },
        },
      },
      '/v1/agent-recordings': {
        get: {
          summary: "A recording through the CC-Gateway, as one of the tenant's agents (3.8)",
          description:
            'The gateway signs the agent in, keeps its session alive and renews it; the Guid never leaves the gateway. 503 when no agent session can be had (with Retry-After).',
          security: bearer('agent-recordings:read'),
          parameters: [
            q('recordId', 'path and name of the recording, e.g. Y:/53/0/20261125/1001/4411223.V3', true),
            q(
              'fileType',
              '1: agent call recording (agentRecordings rule, default); 2: voice message (agentMessageRecordings rule)',
              false,
              { enum: ['1', '2'] },
            ),
            q('locationId', 'node id, mandatory in CTI POOL mode', false, { type: 'string', pattern: '^[0-9]{1,10}$' }),
          ],
          responses: { 200: file('the recording'), ...errors(400, 401, 403, 404, 429, 502, 503, 504) },
        },
      },
      '/healthz': { get: { summary: 'Alive', security: [], responses: { 200: { description: 'alive' } } } },
      '/readyz': {
        get: {
          summary: 'Ready: config loaded and vendors reachable. Only {"status"}: the details are at /readyz/details',
          security: [],
          responses: { 200: { description: 'ready' }, 503: { description: 'not ready' } },
        },
      },
      '/readyz/details': {
        get: {
          summary: 'Readiness with each dependency (endpoints, breakers, JWKS issuers, agent sessions)',
          security: bearer('ops:read'),
          responses: { 200: { description: 'ready' }, 503: { description: 'not ready' }, ...errors(401, 403, 429) },
        },
      },
      '/metrics': {
        get: {
          summary:
            'Prometheus metrics (unless metrics.port moves them to the internal listener, where no token is needed)',
          security: bearer('ops:read'),
          responses: { 200: { description: 'text/plain; version=0.0.4' }, ...errors(401, 403, 429) },
        },
      },
      '/openapi.json': {
        get: { summary: 'This document', security: [], responses: { 200: { description: 'OpenAPI 3.1' } } },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      responses: {
        Problem: {
          description: 'problem+json',
          content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
        },
      },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'code', 'detail', 'requestId'],
          properties: {
            type: { const: 'about:blank' },
            title: { type: 'string' },
            status: { type: 'integer' },
            code: { enum: Object.keys(ERROR_CATALOGUE) },
            detail: { type: 'string' },
            requestId: { type: 'string' },
            upstream: {
              type: 'object',
              properties: {
                service: { enum: ['ccfs', 'ccgateway'] },
                code: { type: 'string' },
                message: { type: 'string' },
              },
            },
          },
        },
      },
    },
  };
}
