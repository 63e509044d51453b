/**
 * Issue 23: refusals a person can act on. Each names the field and what it must be, in our words
 * (never zod's or jsonwebtoken's), with the status a client library expects.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { mintToken } from '../../demo/mint.js';
import { ISSUER, JWT_SECRET, type Stack, startStack } from '../helpers/stack.js';

describe('error messages', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack.close();
  });
  const auth = (token = stack.token()) => ({ Authorization: `Bearer ${token}` });
  const detail = (r: request.Response) => String(r.body.detail);
  const RAW_LIBRARY_TEXT = /invalid (input|option)|expected one of|jwt |received/i;

  it('a field of the wrong type says what it must be, not that it is missing', async () => {
    const r = await request(stack.url).post('/v1/recordings/playback').set(auth()).send({ fileName: 42 });
    assert.equal(r.status, 400);
    assert.equal(detail(r), 'fileName must be a string, not a number');
  });

  it('a value outside a set names the set, for a query parameter and inside an envelope', async () => {
    const q = await request(stack.url).get('/v1/agent-recordings?recordId=x&fileType=3').set(auth());
    assert.equal(q.status, 400);
    assert.equal(detail(q), 'query parameter "fileType" must be one of "1", "2"');
    const v = await request(stack.url)
      .post('/v1/ccfs/requestPlayVoice')
      .set(auth())
      .send({ request: { version: '1.0' }, msgBody: { fileName: 'Y:/53/0/20261125/1001/4411223.V3' } });
    assert.equal(detail(v), 'request.version must be "2.0"');
    const m = await request(stack.url)
      .post('/v1/ccfs/ivr/downloadFile')
      .set(auth())
      .send({ request: { version: '2.0' }, msgBody: { filePath: 'Y:/voice/53/IVRrecordFile/a.wav', mode: 5 } });
    assert.equal(detail(m), 'msgBody.mode must be one of 0, 1, "0", "1"');
    for (const r of [q, v, m]) assert.doesNotMatch(detail(r), RAW_LIBRARY_TEXT);
  });

  it("a token for another audience is refused in the gateway's words", async () => {
    const other = mintToken({
      secret: JWT_SECRET,
      issuer: ISSUER,
      audience: 'someone-else',
      tenant: 'acme',
      scopes: [],
    });
    const r = await request(stack.url).get('/v1/recordings?fileName=x').set(auth(other));
    assert.equal(r.status, 401);
    assert.equal(detail(r), 'token is invalid: its audience (aud) is not one this gateway accepts');
    const forged = await request(stack.url)
      .get('/v1/recordings?fileName=x')
      .set(auth(`${stack.token()}x`));
    assert.equal(detail(forged), 'token is invalid: its signature does not verify');
  });

  it('a JSON route given another content type is 415; without a body 400', async () => {
    const text = await request(stack.url)
      .post('/v1/recordings/playback')
      .set(auth())
      .set('Content-Type', 'text/plain')
      .send('{"fileName":"Y:/53/0/20261125/1001/4411223.V3"}');
    assert.equal(text.status, 415);
    assert.equal(text.body.code, 'UNSUPPORTED_MEDIA_TYPE');
    const none = await request(stack.url).post('/v1/recordings/playback').set(auth());
    assert.equal(none.status, 400);
    assert.match(detail(none), /required, as application\/json/);
  });

  it('a CORS preflight from an origin not allowed says so (it was a 405 about methods)', async () => {
    const r = await request(stack.url)
      .options('/v1/recordings/playback')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    assert.equal(r.status, 400);
    assert.match(detail(r), /CORS preflight refused/);
    assert.equal(r.headers['access-control-allow-origin'], undefined);
  });

  it('Allow lists HEAD where GET is served, and HEAD works there', async () => {
    const r = await request(stack.url).post('/v1/recordings').set(auth());
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, 'GET, HEAD');
    const head = await request(stack.url)
      .head('/v1/recordings?fileName=Y%3A%2F53%2F0%2F20261125%2F1001%2F4411223.V3')
      .set(auth());
    assert.equal(head.status, 200);
    assert.equal((await request(stack.url).get('/v1/recordings/playback').set(auth())).headers.allow, 'POST');
  });
});
