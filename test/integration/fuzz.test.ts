/**
 * Issue 13: random and structured garbage at every route, with valid and invalid tokens: JSON of
 * every type at every field, odd encodings and header values, path segments that do not decode. No answer may be a 500 and no log
 * line may be at error level. Seeded (FUZZ_SEED, printed); FUZZ_RUNS makes a longer run by hand.
 */

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import request from 'supertest';
import { type Stack, startStack } from '../helpers/stack.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

let stack: Stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack.close();
});

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    'Y:/53/0/20261125/1001/4411223.V3',
    'Y:\\53\\..\\54',
    '%2e%2e',
    '\u0000',
    'CON',
    'a;b',
    '🎧',
    ' ',
    '',
  ),
);
/** Escapes that do not decode: a path segment of these must be a 400, never a 500 (issue 22). */
const badEscape = fc.constantFrom('%', '%ZZ', '%C3', '%E2%82', '%%', '%2', '%C0%AF', '%ED%A0%80');
/** A path segment as sent: usually well encoded, sometimes with an escape that cannot be decoded. */
const segment = fc.oneof(
  { weight: 3, arbitrary: text.map((t) => encodeURIComponent(t) || 'x') },
  { weight: 1, arbitrary: badEscape },
  {
    weight: 1,
    arbitrary: fc
      .tuple(text, badEscape, text)
      .map(([a, e, b]) => encodeURIComponent(a) + e + b.replace(/[^A-Za-z0-9]/g, '')),
  },
);

const json = fc.oneof(fc.jsonValue({ maxDepth: 3 }), text, fc.constant(null), fc.array(text, { maxLength: 3 }));
const routes = [
  { method: 'get', path: '/v1/recordings', query: ['fileName', 'ccId'] },
  { method: 'get', path: '/v1/calls/{x}/recordings', query: ['ccId'] },
  { method: 'post', path: '/v1/recordings/playback', body: ['fileName'] },
  { method: 'get', path: '/v1/recordings/playback/{x}', query: [] },
  { method: 'get', path: '/v1/ivr-files', query: ['path', 'dir'] },
  { method: 'post', path: '/v1/ivr-files', query: ['vdnId'], raw: true },
  { method: 'post', path: '/v1/ccfs/downloadRecord', envelope: ['fileName', 'callId', 'ccId'] },
  { method: 'post', path: '/v1/ccfs/requestPlayVoice', envelope: ['fileName'] },
  { method: 'post', path: '/v1/ccfs/ivr/downloadFile', envelope: ['filePath', 'mode'] },
  { method: 'post', path: '/v1/ccfs/ivr/uploadFile', envelope: ['data'], query: ['vdnId'] },
  { method: 'get', path: '/v1/agent-recordings', query: ['recordId', 'fileType', 'locationId'] },
  { method: 'get', path: '/readyz/details', query: [] },
] as const;

const input = fc.record({
  route: fc.constantFrom(...routes),
  token: fc.constantFrom('valid', 'none', 'garbage', 'other-tenant'),
  segment,
  query: fc.dictionary(
    fc.oneof(
      fc.constantFrom('fileName', 'ccId', 'path', 'dir', 'vdnId', 'recordId', 'fileType', 'locationId', 'x[]'),
      fc.string({ maxLength: 8 }),
    ),
    text,
    { maxKeys: 3 },
  ),
  fields: fc.dictionary(fc.constantFrom('fileName', 'callId', 'ccId', 'filePath', 'mode', 'data', 'extra'), json, {
    maxKeys: 3,
  }),
  envelopeShape: fc.constantFrom('ok', 'no-request', 'bad-version', 'array', 'scalar'),
  contentType: fc.constantFrom(
    'application/json',
    'audio/wav',
    'text/plain',
    'application/json; charset=latin1',
    '',
    'multipart/form-data; boundary=x',
  ),
  encoding: fc.constantFrom(undefined, 'gzip', 'identity', 'br', 'x-unknown'),
  rawBody: fc.uint8Array({ maxLength: 200 }),
  asText: fc.boolean(),
});

test(`fuzz: no route answers 500 or logs at error level (seed ${SEED}, ${RUNS} runs)`, async (t) => {
  t.diagnostic(`fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
  const before = stack.lines.length;
  let answered = 0;
  await fc.assert(
    fc.asyncProperty(input, async (i) => {
      const path = i.route.path.replace('{x}', i.segment);
      let r = i.route.method === 'get' ? request(stack.url).get(path) : request(stack.url).post(path);
      r = r.query(i.query);
      const token = {
        valid: stack.token(),
        none: undefined,
        garbage: 'e30.bnVsbA.AAAA',
        'other-tenant': stack.token('globex'),
      }[i.token];
      if (token) r = r.set('Authorization', `Bearer ${token}`);
      if (i.encoding) r = r.set('Content-Encoding', i.encoding);
      if (i.route.method === 'post') {
        if (i.contentType) r = r.set('Content-Type', i.contentType);
        const envelope =
          'envelope' in i.route
            ? {
                ok: { request: { version: '2.0' }, msgBody: i.fields },
                'no-request': { msgBody: i.fields },
                'bad-version': { request: { version: 2 }, msgBody: i.fields },
                array: [i.fields],
                scalar: 'x',
              }[i.envelopeShape]
            : i.fields;
        const body = 'raw' in i.route || i.asText ? Buffer.from(i.rawBody) : Buffer.from(JSON.stringify(envelope));
        r = r.send(body);
      }
      const res = await r;
      answered += 1;
      assert.notEqual(res.status, 500, `${i.route.method} ${path}: ${JSON.stringify(res.body).slice(0, 300)}`);
      return true;
    }),
    { seed: SEED, numRuns: RUNS },
  );
  const errors = stack.lines.slice(before).filter((l) => l.includes('"level":50'));
  assert.deepEqual(errors, [], 'no error-level log line');
  t.diagnostic(`fuzz answered ${answered} requests`);
});
