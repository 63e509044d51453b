/** The one status table (to-http) and the vendor code tables (vendor-errors), case by case. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CATALOGUE, GatewayError } from '../../src/errors/catalogue.js';
import { toHttpProblem } from '../../src/errors/to-http.js';
import {
  ccfsResultError,
  malformedAnswer,
  recordFileError,
  signatureRefused,
  upstreamHttpStatus,
} from '../../src/upstream/vendor-errors.js';

describe('toHttpProblem', () => {
  it('every catalogue code becomes its status and title, with the request id and no upstream unless given', () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      const p = toHttpProblem(new GatewayError(code as keyof typeof ERROR_CATALOGUE, `detail of ${code}`), 'req-1');
      assert.equal(p.status, entry.status);
      assert.deepEqual(p.body, {
        type: 'about:blank',
        title: entry.title,
        status: entry.status,
        code,
        detail: `detail of ${code}`,
        requestId: 'req-1',
      });
    }
  });

  it('Retry-After is whole seconds, at least 1; extra headers and the upstream detail are kept', () => {
    const upstream = { service: 'ccfs' as const, code: '0300008', message: 'download flow control threshold reached' };
    const p = toHttpProblem(
      new GatewayError('RATE_LIMITED', 'slow down', {
        retryAfterSec: 0.2,
        upstream,
        headers: { 'www-authenticate': 'Bearer' },
      }),
      'r',
    );
    assert.equal(p.headers['retry-after'], '1');
    assert.equal(p.headers['www-authenticate'], 'Bearer');
    assert.deepEqual(p.body.upstream, upstream);
    assert.equal(
      toHttpProblem(new GatewayError('UPSTREAM_UNAVAILABLE', 'x', { retryAfterSec: 4.1 }), 'r').headers['retry-after'],
      '5',
    );
  });

  it("the body parser's errors map to 413, 400 and 415; anything else is a 500 that leaks nothing", () => {
    const cases: Array<[object, number, string]> = [
      [{ type: 'entity.too.large' }, 413, 'PAYLOAD_TOO_LARGE'],
      [{ type: 'entity.parse.failed' }, 400, 'INVALID_REQUEST'],
      [{ type: 'encoding.unsupported' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [{ type: 'charset.unsupported' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      [{ type: 'request.aborted' }, 400, 'INVALID_REQUEST'],
    ];
    for (const [err, status, code] of cases) {
      const p = toHttpProblem(err, 'r');
      assert.equal(p.status, status);
      assert.equal(p.body.code, code);
      assert.equal(p.error.cause, err, 'the cause is kept for the log');
    }
    const bug = toHttpProblem(new TypeError('secret internals at /srv/app.js:12'), 'r');
    assert.equal(bug.status, 500);
    assert.equal(bug.body.detail, 'internal error');
    assert.doesNotMatch(JSON.stringify(bug.body), /secret|srv/);
  });
});

describe('vendor errors', () => {
  it('CC-FS result codes: not found, flow control, expired playback, anything else a 502 keeping the code', () => {
    const table: Array<[string, string, string, number | undefined]> = [
      ['0300011', 'downloadRecord', 'NOT_FOUND', undefined],
      ['0300012', 'downloadRecord', 'NOT_FOUND', undefined],
      ['0300008', 'downloadRecord', 'RATE_LIMITED', 5],
      ['0300009', 'requestPlayVoice', 'RATE_LIMITED', 5],
      ['010106', 'playVoice', 'PLAYBACK_EXPIRED', undefined],
      ['010107', 'playVoice', 'PLAYBACK_EXPIRED', undefined],
      ['010107', 'downloadRecord', 'UPSTREAM_ERROR', undefined],
      ['0300004', 'ivr/downloadFile', 'UPSTREAM_ERROR', undefined],
      ['9999999', 'downloadRecord', 'UPSTREAM_ERROR', undefined],
    ];
    for (const [code, operation, want, retry] of table) {
      const e = ccfsResultError(code, operation);
      assert.equal(e.code, want, `${code} on ${operation}`);
      assert.equal(e.upstream?.code, code);
      assert.equal(e.retryAfterSec, retry);
    }
    assert.equal(ccfsResultError('9999999', 'downloadRecord').upstream?.message, 'unknown result code');
  });

  it('HTTP statuses: 503 is unavailable with Retry-After, others a 502; a refused signature keeps HTTP 401', () => {
    assert.equal(upstreamHttpStatus('ccfs', 'downloadRecord', 503).code, 'UPSTREAM_UNAVAILABLE');
    assert.equal(upstreamHttpStatus('ccfs', 'downloadRecord', 503).retryAfterSec, 5);
    const bad = upstreamHttpStatus('ccgateway', 'recordfile', 500);
    assert.equal(bad.code, 'UPSTREAM_ERROR');
    assert.equal(bad.upstream?.code, 'HTTP 500');
    assert.match(bad.message, /CC-Gateway recordfile/);
    assert.equal(signatureRefused('playVoice').upstream?.code, 'HTTP 401');
    assert.equal(malformedAnswer('ccfs', 'x').upstream, undefined, 'an unreadable answer has no vendor code to show');
  });

  it('recordfile codes, before and after the one renewal', () => {
    const table: Array<[string, boolean, string]> = [
      ['104-005', false, 'NOT_FOUND'],
      ['104-003', false, 'NOT_FOUND'],
      ['104-002', false, 'UPSTREAM_FORBIDDEN'],
      ['000-003', true, 'UPSTREAM_FORBIDDEN'],
      ['000-003', false, 'UPSTREAM_UNAVAILABLE'],
      ['100-006', true, 'UPSTREAM_UNAVAILABLE'],
      ['104-001', false, 'UPSTREAM_ERROR'],
      ['104-010', false, 'UPSTREAM_ERROR'],
      ['777-777', false, 'UPSTREAM_ERROR'],
    ];
    for (const [code, renewed, want] of table) {
      const e = recordFileError(code, renewed);
      assert.equal(e.code, want, `${code} after renewal: ${renewed}`);
      assert.equal(e.upstream?.service, 'ccgateway');
      assert.equal(e.upstream?.code, code);
    }
  });
});
