/** Issue 2 "Bad input": every parameter's bad forms get the contract's error and never reach CC-FS. */

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import request from 'supertest';
import { SEED } from '../../simulators/seed.js';
import { type Stack, startStack } from '../helpers/stack.js';

let s: Stack;
before(async () => {
  s = await startStack();
});
after(async () => {
  await s.close();
});

type Case = [
  name: string,
  method: 'get' | 'post',
  path: string,
  expect: [number, string],
  body?: unknown,
  contentType?: string,
];
const rec = encodeURIComponent(SEED.acme.recording);
const long = `Y:/53/${'a'.repeat(800)}`;

const cases: Case[] = [
  // 3.1 fileName / ccId
  ['3.1 fileName missing', 'get', '/v1/recordings', [400, 'INVALID_REQUEST']],
  ['3.1 fileName empty', 'get', '/v1/recordings?fileName=', [400, 'INVALID_REQUEST']],
  [
    '3.1 fileName twice (wrong type)',
    'get',
    `/v1/recordings?fileName=${rec}&fileName=${rec}`,
    [400, 'INVALID_REQUEST'],
  ],
  ['3.1 fileName too long', 'get', `/v1/recordings?fileName=${encodeURIComponent(long)}`, [403, 'PATH_FORBIDDEN']],
  [
    '3.1 fileName 226 characters inside the rule',
    'get',
    `/v1/recordings?fileName=${encodeURIComponent(`Y:/53/${'b'.repeat(220)}`)}`,
    [403, 'PATH_FORBIDDEN'],
  ],
  [
    '3.1 fileName outside the rule',
    'get',
    `/v1/recordings?fileName=${encodeURIComponent('Y:/54/0/x.V3')}`,
    [403, 'PATH_FORBIDDEN'],
  ],
  [
    '3.1 fileName traversal',
    'get',
    `/v1/recordings?fileName=${encodeURIComponent('Y:/53/../54/0/x.V3')}`,
    [403, 'PATH_FORBIDDEN'],
  ],
  [
    '3.1 fileName double-encoded traversal',
    'get',
    `/v1/recordings?fileName=Y:/53/%252e%252e/54/x.V3`,
    [403, 'PATH_FORBIDDEN'],
  ],
  ['3.1 fileName with NUL', 'get', `/v1/recordings?fileName=Y:/53/0/x%00.V3`, [403, 'PATH_FORBIDDEN']],
  ['3.1 ccId not digits', 'get', `/v1/recordings?fileName=${rec}&ccId=abc`, [400, 'INVALID_REQUEST']],
  ['3.1 ccId empty', 'get', `/v1/recordings?fileName=${rec}&ccId=`, [400, 'INVALID_REQUEST']],
  ['3.1 ccId too long', 'get', `/v1/recordings?fileName=${rec}&ccId=12345678901`, [400, 'INVALID_REQUEST']],
  ['3.1 ccId twice', 'get', `/v1/recordings?fileName=${rec}&ccId=1&ccId=2`, [400, 'INVALID_REQUEST']],
  ['3.1 unknown parameter', 'get', `/v1/recordings?fileName=${rec}&callId=1`, [400, 'INVALID_REQUEST']],
  ['3.1 bracket parameter', 'get', `/v1/recordings?fileName[a]=1`, [400, 'INVALID_REQUEST']],
  // 3.2 callId / ccId
  ['3.2 callId too long', 'get', `/v1/calls/${'1'.repeat(26)}/recordings`, [400, 'INVALID_REQUEST']],
  ['3.2 callId bad characters', 'get', '/v1/calls/abc%20def/recordings', [400, 'INVALID_REQUEST']],
  ['3.2 callId with a slash', 'get', '/v1/calls/a%2Fb/recordings', [400, 'INVALID_REQUEST']],
  ['3.2 callId unicode', 'get', '/v1/calls/%C3%A9/recordings', [400, 'INVALID_REQUEST']],
  ['3.2 ccId bad', 'get', `/v1/calls/${SEED.acme.twoRecordingCall}/recordings?ccId=x`, [400, 'INVALID_REQUEST']],
  [
    '3.2 unknown parameter',
    'get',
    `/v1/calls/${SEED.acme.twoRecordingCall}/recordings?fileName=x`,
    [400, 'INVALID_REQUEST'],
  ],
  // 3.3 body
  ['3.3 no body', 'post', '/v1/recordings/playback', [400, 'INVALID_REQUEST']],
  [
    '3.3 not JSON content type',
    'post',
    '/v1/recordings/playback',
    [415, 'UNSUPPORTED_MEDIA_TYPE'],
    'fileName=x',
    'application/x-www-form-urlencoded',
  ],
  [
    '3.3 malformed JSON',
    'post',
    '/v1/recordings/playback',
    [400, 'INVALID_REQUEST'],
    '{"fileName":',
    'application/json',
  ],
  ['3.3 JSON array', 'post', '/v1/recordings/playback', [400, 'INVALID_REQUEST'], '[]', 'application/json'],
  ['3.3 fileName missing', 'post', '/v1/recordings/playback', [400, 'INVALID_REQUEST'], {}],
  ['3.3 fileName empty', 'post', '/v1/recordings/playback', [400, 'INVALID_REQUEST'], { fileName: '' }],
  ['3.3 fileName a number', 'post', '/v1/recordings/playback', [400, 'INVALID_REQUEST'], { fileName: 53 }],
  ['3.3 fileName null', 'post', '/v1/recordings/playback', [400, 'INVALID_REQUEST'], { fileName: null }],
  ['3.3 fileName too long', 'post', '/v1/recordings/playback', [403, 'PATH_FORBIDDEN'], { fileName: long }],
  [
    '3.3 fileName outside the rule',
    'post',
    '/v1/recordings/playback',
    [403, 'PATH_FORBIDDEN'],
    { fileName: 'Y:/voice/53/IVRrecordFile/a.wav' },
  ],
  [
    '3.3 unknown field',
    'post',
    '/v1/recordings/playback',
    [400, 'INVALID_REQUEST'],
    { fileName: SEED.acme.recording, ccId: '1' },
  ],
  [
    '3.3 body over the JSON limit',
    'post',
    '/v1/recordings/playback',
    [413, 'PAYLOAD_TOO_LARGE'],
    { fileName: 'x'.repeat(70 * 1024) },
  ],
  [
    '3.3 query string',
    'post',
    '/v1/recordings/playback?x=1',
    [400, 'INVALID_REQUEST'],
    { fileName: SEED.acme.recording },
  ],
  // 3.5 path / dir
  ['3.5 neither path nor dir', 'get', '/v1/ivr-files', [400, 'INVALID_REQUEST']],
  [
    '3.5 both path and dir',
    'get',
    `/v1/ivr-files?path=${encodeURIComponent(SEED.acme.ivrFile)}&dir=${encodeURIComponent(SEED.acme.ivrDir)}`,
    [400, 'INVALID_REQUEST'],
  ],
  ['3.5 path empty', 'get', '/v1/ivr-files?path=', [400, 'INVALID_REQUEST']],
  ['3.5 dir empty', 'get', '/v1/ivr-files?dir=', [400, 'INVALID_REQUEST']],
  ['3.5 path twice', 'get', `/v1/ivr-files?path=a&path=b`, [400, 'INVALID_REQUEST']],
  ['3.5 path too long', 'get', `/v1/ivr-files?path=${encodeURIComponent(long)}`, [403, 'PATH_FORBIDDEN']],
  [
    '3.5 path outside the rule',
    'get',
    `/v1/ivr-files?path=${encodeURIComponent(SEED.acme.recording)}`,
    [403, 'PATH_FORBIDDEN'],
  ],
  [
    '3.5 path prefix-boundary trick',
    'get',
    `/v1/ivr-files?path=${encodeURIComponent('Y:/3rdfile/530/thirdvoicebotfile/a.wav')}`,
    [403, 'PATH_FORBIDDEN'],
  ],
  [
    '3.5 path is the rule folder itself',
    'get',
    `/v1/ivr-files?path=${encodeURIComponent('Y:/3rdfile/53/thirdvoicebotfile')}`,
    [403, 'PATH_FORBIDDEN'],
  ],
  [
    '3.5 dir outside the rule',
    'get',
    `/v1/ivr-files?dir=${encodeURIComponent('Y:/voice/53')}`,
    [403, 'PATH_FORBIDDEN'],
  ],
  [
    '3.5 dir with UNC form',
    'get',
    `/v1/ivr-files?dir=${encodeURIComponent('\\\\?\\Y:\\voice\\53\\IVRrecordFile')}`,
    [403, 'PATH_FORBIDDEN'],
  ],
  [
    '3.5 unknown parameter',
    'get',
    `/v1/ivr-files?path=${encodeURIComponent(SEED.acme.ivrFile)}&mode=1`,
    [400, 'INVALID_REQUEST'],
  ],
  // path parameters that cannot be decoded (they used to be 500s, with a stack trace in the log)
  ['3.2 a lone % as the call id', 'get', '/v1/calls/%/recordings', [400, 'INVALID_REQUEST']],
  ['3.2 a bad escape in the call id', 'get', '/v1/calls/1%ZZ/recordings', [400, 'INVALID_REQUEST']],
  ['3.2 a half UTF-8 sequence', 'get', '/v1/calls/%C3/recordings', [400, 'INVALID_REQUEST']],
  ['3.4 a bad escape as the playback id', 'get', '/v1/recordings/playback/%ZZ', [400, 'INVALID_REQUEST']],
  // routes and methods
  ['unknown route', 'get', '/v1/nothing', [404, 'NOT_FOUND']],
  ['wrong method', 'post', '/v1/recordings', [405, 'METHOD_NOT_ALLOWED'], {}],
];

for (const [name, method, path, [status, code], body, contentType] of cases) {
  test(`bad input: ${name} -> ${status} ${code}`, async () => {
    const before = s.ccfs.requests.length;
    let r = request(s.url)[method](path).set('authorization', `Bearer ${s.token()}`);
    if (contentType) r = r.set('content-type', contentType);
    const res = body === undefined ? await r : await r.send(body as string | object);
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(res.body.code, code);
    assert.match(res.headers['content-type']!, /^application\/problem\+json/);
    assert.equal(res.body.type, 'about:blank');
    assert.equal(typeof res.body.detail, 'string');
    assert.equal(res.body.requestId, res.headers['x-request-id']);
    assert.equal(s.ccfs.requests.length, before, 'the simulator saw nothing');
  });
}

test('a real playback URL with a bad escape appended is 400, and no log line holds the playback id', async () => {
  const made = await request(s.url)
    .post('/v1/recordings/playback')
    .set('authorization', `Bearer ${s.token()}`)
    .send({ fileName: SEED.acme.recording });
  assert.equal(made.status, 201);
  const id = String(made.body.url).split('/').at(-1)!;
  const before = s.lines.length;
  const res = await request(s.url).get(`${made.body.url}%`);
  assert.equal(res.status, 400);
  assert.equal(res.body.code, 'INVALID_REQUEST');
  assert.doesNotMatch(JSON.stringify(res.body), new RegExp(id.slice(0, 20)));
  const lines = s.lines.slice(before);
  assert.ok(lines.length > 0, 'the request was logged');
  for (const line of lines) {
    assert.doesNotMatch(line, new RegExp(id.slice(0, 20)), 'no part of the playback id in the log');
    assert.doesNotMatch(line, /"stack"/, 'a refusal, not a crash');
  }
});
