/** The demo's printed curl lines work when run by a shell, as the README promises. */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { type Demo, startDemo } from '../../demo/start.js';
import { captureLogger } from '../helpers/logs.js';

// Async only: the gateway answering these shells runs in this very process.
const run = promisify(execFile);
const outDir = mkdtempSync(join(tmpdir(), 'demo-out-'));
let demo: Demo;
before(async () => {
  // The audit file in a folder that does not exist yet, as .demo/ on a fresh clone.
  demo = await startDemo({
    port: 0,
    logger: captureLogger().logger,
    outDir,
    audit: join(outDir, 'not-yet', 'audit.log'),
  });
});
after(async () => {
  await demo.close();
});

test('every route has a curl line, and each one succeeds in a shell', async () => {
  for (const route of [
    '/v1/recordings?',
    '/v1/calls/',
    "/v1/recordings/playback'",
    '/v1/ivr-files?path',
    '/v1/ivr-files?dir',
    "/v1/ivr-files'",
    '/v1/ccfs/downloadRecord',
    '/v1/agent-recordings?',
    '/healthz',
    '/readyz',
    '/metrics',
    '/openapi.json',
  ]) {
    assert.ok(
      demo.curlLines.some((l) => l.includes(route)),
      route,
    );
  }
  assert.ok(
    demo.curlLines.some(
      (l) => l.startsWith('curl -sS --fail-with-body "$GW$(') && l.includes('/v1/recordings/playback'),
    ),
    '3.4: a line that streams a fresh playback URL',
  );
  // As a user would: the printed exports first, then each line as printed.
  const env = { ...process.env };
  for (const line of demo.exports) {
    const m = /^export ([A-Z_]+)=(\S+)$/.exec(line);
    assert.ok(m, line);
    env[m[1]!] = m[2]!;
  }
  assert.ok(env.GW && env.ACME_TOKEN && env.GLOBEX_TOKEN);
  for (const line of demo.curlLines) {
    assert.match(line, /^curl /);
    assert.ok(!line.includes(env.ACME_TOKEN!) && !line.includes(demo.url), 'lines use the exported variables');
    await run('bash', ['-c', line], { env });
  }
  assert.equal(readFileSync(join(outDir, 'playback-header.bin')).length, 44, 'a range of the playback URL');
  const wav = readFileSync(join(outDir, '4411223.wav'));
  assert.equal(wav.toString('latin1', 0, 4), 'RIFF');
  assert.equal(wav.readUInt16LE(20), 6, 'A-law');
  assert.ok(statSync(join(outDir, 'playback.wav')).size > 1000);
  assert.deepEqual([...readFileSync(join(outDir, 'call-two-recordings.zip')).subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04]);
  assert.ok(
    readFileSync(join(outDir, 'uploaded.wav')).equals(readFileSync(join(outDir, 'demo-upload.wav'))),
    'the upload reads back byte for byte',
  );
  assert.ok(
    readFileSync(join(outDir, 'native-4411223.wav')).equals(wav),
    'the native pass-through gives the same recording',
  );
  assert.equal(demo.ccfs.uploads.length, 2, 'both upload lines reached the vendor');
  assert.match(
    readFileSync(join(outDir, 'metrics.txt'), 'utf8'),
    /cc_file_gateway_http_requests_total\{route="\/v1\/recordings"/,
  );
  assert.ok(readFileSync(join(outDir, 'agent-4411223.wav')).equals(wav), 'the CC-Gateway serves the same recording');
  assert.deepEqual(demo.ccgw.signIns, [{ agentId: 1001, forced: false }], 'one sign-in for both agent lines');
  const audit = readFileSync(join(outDir, 'not-yet', 'audit.log'), 'utf8');
  assert.match(audit, /"operation":"recording.download"/, 'the audit file was made in its new folder and written');
});

test('npm run token mints a token the demo gateway accepts', async () => {
  const token = (
    await run(process.execPath, [
      '--import',
      'tsx',
      'demo/token-cli.ts',
      '--tenant',
      'globex',
      '--scope',
      'recordings:read',
    ])
  ).stdout.trim();
  const out = (
    await run('curl', [
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '-H',
      `Authorization: Bearer ${token}`,
      `${demo.url}/v1/recordings?fileName=${encodeURIComponent('Y:/54/0/20261125/2001/5500001.V3')}`,
    ])
  ).stdout;
  assert.equal(out, '200');
});
