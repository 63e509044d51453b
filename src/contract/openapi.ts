/**
 * The OpenAPI 3.1 document, generated from the route contracts (`contract.ts`): the same zod
 * schemas that validate each request give its parameters and bodies here. `npm run openapi`
 * writes it to `docs/openapi.json`; a test keeps that file equal to what `/openapi.json` serves
 * and Redocly's recommended rules pass on it.
 */
import { z } from 'zod';
import { ERROR_CATALOGUE } from '../errors/catalogue.js';
import { type Answer, ROUTES, type RouteContract } from './routes.js';

type Json = Record<string, unknown>;

const jsonSchema = (schema: z.ZodType): Json => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }) as Json;
  return rest;
};

const outputSchema = (schema: z.ZodType): Json => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'output' }) as Json;
  return rest;
};

const header = (ref: string) => ({ $ref: `#/components/headers/${ref}` });
const binary = { type: 'string', contentMediaType: 'application/octet-stream' };
const fileContent = {
  'audio/wav': { schema: binary },
  'application/zip': { schema: binary },
  'application/octet-stream': { schema: binary },
};

function fileResponses(disposition: 'attachment' | 'inline') {
  const headers = {
    'X-Request-Id': header('X-Request-Id'),
    'Content-Disposition': {
      description: `${disposition}; filename="<name>": the base name, its extension following the content (.wav, .zip)`,
      schema: { type: 'string' },
    },
    'Accept-Ranges': { description: '`bytes` when the length is known', schema: { type: 'string' } },
    'Content-Length': { description: 'when the vendor gives a length', schema: { type: 'integer' } },
  };
  return {
    200: { description: 'the whole file, streamed; typed from its first bytes', headers, content: fileContent },
    206: {
      description: 'one byte range of the file (a `Range` request)',
      headers: { ...headers, 'Content-Range': header('Content-Range') },
      content: fileContent,
    },
  };
}

const json = (description: string, schema: Json, example?: unknown, headers: Json = {}) => ({
  description,
  headers: { 'X-Request-Id': header('X-Request-Id'), ...headers },
  content: { 'application/json': { schema, ...(example === undefined ? {} : { example }) } },
});

const STATUS = { type: 'object', required: ['status'], properties: { status: { enum: ['ok', 'ready', 'not ready'] } } };

const ANSWERS: Record<Answer, Json> = {
  file: fileResponses('attachment'),
  playback: fileResponses('inline'),
  'created-playback': {
    201: json(
      'a playback URL: no token needed, valid until expiresAt',
      {
        type: 'object',
        required: ['url', 'expiresAt'],
        properties: {
          url: { type: 'string', description: 'relative: /v1/recordings/playback/<id>' },
          expiresAt: { type: 'string', format: 'date-time' },
        },
      },
      { url: '/v1/recordings/playback/AbC...', expiresAt: '2026-11-30T12:29:00.000Z' },
      { Location: { description: 'the playback URL', schema: { type: 'string' } } },
    ),
  },
  'created-upload': {
    201: json(
      'stored: the name the vendor gave it, readable with getIvrFile',
      {
        type: 'object',
        required: ['fileName', 'locationIds'],
        properties: { fileName: { type: 'string' }, locationIds: { type: 'array', items: { type: 'string' } } },
      },
      { fileName: 'Y:/3rdfile/53/thirdvoicebotfile/1764500000000.wav', locationIds: ['1'] },
      { Location: { description: 'getIvrFile for the stored file', schema: { type: 'string' } } },
    ),
  },
  native: {
    200: {
      description:
        "the vendor's answer as it came: a file, or its JSON result (business errors such as 0300011 travel with 200)",
      headers: { 'X-Request-Id': header('X-Request-Id') },
      content: {
        'application/json': { schema: { $ref: '#/components/schemas/CcfsResult' } },
        'application/octet-stream': { schema: binary },
      },
    },
  },
  health: { 200: json('alive', STATUS, { status: 'ok' }) },
  ready: { 200: json('ready', STATUS, { status: 'ready' }), 503: json('not ready', STATUS, { status: 'not ready' }) },
  'ready-details': {
    200: json(
      'ready, with each dependency',
      { $ref: '#/components/schemas/Readiness' },
      {
        status: 'ready',
        dependencies: [
          { name: 'config', ok: true, instance: true },
          { name: 'spool', ok: true, instance: true, detail: 'writable' },
          { name: 'ccfs:default', ok: true, instance: false },
          { name: 'agent:acme/1001', ok: true, instance: false, detail: 'signed-in' },
        ],
      },
    ),
    503: json(
      'not ready, with each dependency',
      { $ref: '#/components/schemas/Readiness' },
      {
        status: 'not ready',
        dependencies: [{ name: 'shutdown', ok: false, instance: true, detail: 'draining' }],
      },
    ),
  },
  metrics: {
    200: {
      description: 'Prometheus text format 0.0.4',
      content: {
        'text/plain': {
          schema: { type: 'string' },
          example:
            'cc_file_gateway_http_requests_total{route="/v1/recordings",method="GET",status="200",tenant="acme"} 12\n',
        },
      },
    },
  },
  json: {},
  callback: {
    200: json(
      "the vendor's success envelope: the callback is taken (a repeat gets the same)",
      { $ref: '#/components/schemas/CcfsResult' },
      { resultCode: '0', resultDesc: 'success' },
    ),
  },
  openapi: { 200: json('this document', { type: 'object' }, { openapi: '3.1.0', info: { title: 'cc-file-gateway' } }) },
};

const PROBLEM_WHEN: Record<number, string> = {
  400: 'a missing, empty, repeated or unknown parameter, a malformed body, or a URL longer than server.maxUrlBytes',
  401: 'no token, or an invalid one',
  403: 'a scope missing, a path or VDN outside the tenant rules, or the vendor refused',
  404: 'no such file or call at the vendor, or an unknown or expired playback id',
  413: 'a body over the limit',
  405: 'a method this path does not serve; Allow lists those it does',
  415: 'a body that is not what the route takes (not a WAV, not JSON, compressed)',
  416: 'a range outside the file',
  422: 'a WAV in another format than 8 bit, 8000 Hz, mono, A-law or mu-law',
  429: "over the tenant's rate or stream limit, a playback link's own limits, the vendor's flow control, or too many failed authentications from the address",
  502: 'the vendor failed or answered something unreadable',
  503: 'the vendor cannot be reached, its circuit is open, no connection became free, or no agent session can be had',
  500: "a fault of the gateway's own: the requestId finds it in the log",
  504: 'the vendor did not answer in time',
};

/** Node's HTTP parser answers it before the gateway sees the request: no body, no request id. */
const HEADERS_TOO_LARGE = { description: 'request headers larger than server.maxHeaderBytes; no body' };

function problem(status: number) {
  const headers: Json = { 'X-Request-Id': header('X-Request-Id') };
  if (status === 401 || status === 403) headers['WWW-Authenticate'] = header('WWW-Authenticate');
  if (status === 429 || status === 503) headers['Retry-After'] = header('Retry-After');
  if (status === 416) headers['Content-Range'] = header('Content-Range');
  if (status === 405) headers.Allow = header('Allow');
  return {
    description: PROBLEM_WHEN[status] ?? 'an error',
    headers,
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  };
}

function parameters(route: RouteContract): Json[] {
  const out: Json[] = [];
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    const object = jsonSchema(schema) as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, s] of Object.entries(object.properties ?? {})) {
      const { description, examples, ...rest } = s as { description?: string; examples?: unknown[] };
      out.push({
        name,
        in: where,
        required: where === 'path' || (object.required ?? []).includes(name),
        ...(description ? { description } : {}),
        schema: rest,
        ...(examples?.length ? { example: examples[0] } : {}),
      });
    }
  }
  out.push({ $ref: '#/components/parameters/X-Request-Id' });
  if (route.answer === 'file' || route.answer === 'playback') out.push({ $ref: '#/components/parameters/Range' });
  return out;
}

function operation(route: RouteContract): Json {
  const body =
    route.body === 'wav'
      ? { required: true, content: { 'audio/wav': { schema: binary } } }
      : route.body
        ? { required: true, content: { 'application/json': { schema: jsonSchema(route.body) } } }
        : undefined;
  // Every route refuses a URL over server.maxUrlBytes with 400, another method with 405, and may fail with 500.
  const statuses = [...new Set([400, 405, 500, ...route.errors])].sort();
  return {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    security: route.scope ? [{ bearer: [route.scope] }] : [],
    parameters: parameters(route),
    ...(body ? { requestBody: body } : {}),
    responses: {
      ...ANSWERS[route.answer],
      ...(route.answers
        ? { [String(route.answers.status)]: json(route.answers.description, outputSchema(route.answers.schema)) }
        : {}),
      ...Object.fromEntries(statuses.map((s) => [String(s), problem(s)])),
      431: HEADERS_TOO_LARGE,
    },
  };
}

/** HEAD of a GET route: the same answers, headers only (a download's HEAD never fetches the rest). */
function headOf(get: Json): Json {
  const { operationId, summary, responses, ...rest } = get as {
    operationId: string;
    summary: string;
    responses: Record<string, Json>;
  };
  return {
    ...rest,
    operationId: `${operationId}Head`,
    summary: `Headers only: ${summary.charAt(0).toLowerCase()}${summary.slice(1)}`,
    responses: Object.fromEntries(
      Object.entries(responses).map(([status, r]) => {
        const { content: _body, ...headersOnly } = r as { content?: unknown };
        return [status, headersOnly];
      }),
    ),
  };
}

export function openApiDocument(version: string) {
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of Object.values(ROUTES) as RouteContract[]) {
    paths[route.path] ??= {};
    paths[route.path]![route.method] = operation(route);
    if (route.method === 'get') paths[route.path]!.head = headOf(paths[route.path]!.get!);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'cc-file-gateway',
      version,
      summary: 'JWT-authenticated access to contact-center recordings and IVR files',
      description:
        'One endpoint for internal web apps, mobile back ends and partners: call recordings, browser playback, ' +
        "IVR files and agent recordings from the contact center's CC-FS and CC-Gateway. " +
        'Downloads are streamed; errors are RFC 9457 problem+json with a `code` from a closed list.',
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [
      { url: '/', description: 'the gateway that serves this document' },
      { url: 'http://127.0.0.1:8080', description: 'the demo (npm run demo)' },
    ],
    tags: [
      { name: 'Recordings', description: 'Call recordings from CC-FS, by file name or by call (3.1, 3.2)' },
      { name: 'Playback', description: 'Playback URLs for <audio> elements, and their streams (3.3, 3.4)' },
      { name: 'IVR files', description: 'IVR and third-party files: download and WAV upload (3.5, 3.6)' },
      { name: 'Native CC-FS', description: "The vendor's own envelope for partners that already speak it (3.7)" },
      {
        name: 'Agent recordings',
        description: "Recordings through the CC-Gateway, as one of the tenant's agents (3.8)",
      },
      { name: 'Operations', description: 'Liveness, readiness, metrics and this document (3.9)' },
    ],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: [
            'A JWT from an issuer the gateway trusts (its algorithm on that issuer’s allowlist), with `iss`, ' +
              '`aud` (the audience configured for that issuer), `exp`, `sub` and the tenant claim ' +
              '(`tenant` unless configured otherwise: a configured tenant id).',
            'Scopes come from `scope` (space-separated) or `scp` (an array):',
            '- `recordings:read`: call recordings, by file name, by call, playback',
            '- `ivr-files:read`: IVR and third-party file downloads',
            '- `ivr-files:write`: IVR and third-party file uploads',
            '- `agent-recordings:read`: recordings through the CC-Gateway',
            '- `ccfs:native`: the native CC-FS pass-through',
            '- `ops:read`: readiness details and metrics on the API port',
          ].join('\n'),
        },
      },
      parameters: {
        'X-Request-Id': {
          name: 'X-Request-Id',
          in: 'header',
          required: false,
          description: 'Echoed and logged when it is 1 to 128 characters of [A-Za-z0-9._-]; generated otherwise',
          schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,128}$' },
        },
        Range: {
          name: 'Range',
          in: 'header',
          required: false,
          description:
            'One byte range (`bytes=0-1`, `bytes=100-`, `bytes=-500`) is answered 206; several, or a malformed one, the whole file',
          schema: { type: 'string' },
          example: 'bytes=0-1',
        },
      },
      headers: {
        'X-Request-Id': { description: 'the request id: the caller’s, or a generated one', schema: { type: 'string' } },
        'Retry-After': { description: 'seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } },
        Allow: { description: 'the methods this path serves', schema: { type: 'string' } },
        'WWW-Authenticate': {
          description:
            'RFC 6750: `Bearer realm="cc-file-gateway"`, with `error="invalid_token"` or `error="insufficient_scope", scope="..."`',
          schema: { type: 'string' },
        },
        'Content-Range': {
          description: '`bytes <first>-<last>/<size>`, or `bytes */<size>` with 416',
          schema: { type: 'string' },
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
              description: 'present when the vendor answered with an error: its code, and our paraphrase of it',
              properties: {
                service: { enum: ['ccfs', 'ccgateway'] },
                code: { type: 'string' },
                message: { type: 'string' },
              },
            },
          },
        },
        CcfsResult: {
          type: 'object',
          description: "CC-FS's JSON result envelope",
          required: ['resultCode'],
          properties: { resultCode: { type: 'string' }, resultDesc: { type: 'string' }, resultData: {} },
        },
        Readiness: {
          type: 'object',
          required: ['status', 'dependencies'],
          properties: {
            status: {
              enum: ['ready', 'degraded', 'not ready'],
              description:
                "degraded: this instance is ready, a vendor or the shared store is not (see each dependency's ok)",
            },
            dependencies: {
              type: 'array',
              items: {
                type: 'object',
                required: ['name', 'ok'],
                properties: {
                  name: { type: 'string' },
                  ok: { type: 'boolean' },
                  detail: { type: 'string' },
                  instance: {
                    type: 'boolean',
                    description: "true: this instance's own state (config, spool, shutdown), which decides readiness",
                  },
                },
              },
            },
          },
        },
      },
    },
  };
}
