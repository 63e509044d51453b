/**
 * The TypeScript client (clients/typescript), generated from the OpenAPI document, drives every
 * route of the demo stack: downloads as streams with their names, ranges, a playback URL, an
 * upload read back, the four native operations, agent recordings, and the operations routes.
 * The generated types are current: regenerating them from docs/openapi.json changes nothing.
 */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { createGatewayClient, type GatewayClient, GatewayProblem } from '../../clients/typescript/src/index.js';
import { type Demo, startDemo } from '../../demo/start.js';
import { SEED } from '../../simulators/seed.js';
import { demoRecording } from '../../simulators/shared/audio.js';
import { captureLogger } from '../helpers/logs.js';

let demo: Demo;
let client: GatewayClient;
before(async () => {
  demo = await startDemo({
    port: 0,
    logger: captureLogger().logger,
    outDir: mkdtempSync(join(tmpdir(), 'client-')),
    audit: 'off',
  });
  client = createGatewayClient({ baseUrl: demo.url, token: demo.tokens.acme! });
});
after(async () => {
  await demo.close();
});

const bytes = async (stream: ReadableStream<Uint8Array>) => Buffer.from(await new Response(stream).arrayBuffer());

test('the generated types are current (npm run client regenerates them)', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'client-gen-')), 'schema.ts');
  await promisify(execFile)(process.execPath, [
    'node_modules/openapi-typescript/bin/cli.js',
    'docs/openapi.json',
    '-o',
    out,
  ]);
  assert.equal(
    readFileSync(out, 'utf8'),
    readFileSync(new URL('../../clients/typescript/src/schema.ts', import.meta.url), 'utf8'),
  );
});

test('downloads come back as streams with their names; a range is 206', async () => {
  const rec = await client.download('/v1/recordings', { query: { fileName: SEED.acme.recording } });
  assert.equal(rec.fileName, '4411223.wav');
  assert.equal(rec.contentType, 'audio/wav');
  const wav = await bytes(rec.stream);
  assert.equal(wav.length, rec.contentLength);
  const part = await client.download(
    '/v1/recordings',
    { query: { fileName: SEED.acme.recording } },
    { range: 'bytes=0-11' },
  );
  assert.equal(part.status, 206);
  assert.deepEqual(await bytes(part.stream), wav.subarray(0, 12));

  const call = await client.download('/v1/calls/{callId}/recordings', { path: { callId: SEED.acme.twoRecordingCall } });
  assert.equal(call.fileName, `${SEED.acme.twoRecordingCall}.zip`);
  assert.deepEqual([...(await bytes(call.stream)).subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04]);
  for (const query of [{ path: SEED.acme.ivrFile }, { dir: SEED.acme.ivrDir }]) {
    const ivr = await client.download('/v1/ivr-files', { query });
    assert.equal((await bytes(ivr.stream)).subarray(0, 4).toString('latin1'), 'RIFF');
  }
  const agent = await client.download('/v1/agent-recordings', { query: { recordId: SEED.acme.recording } });
  assert.ok((await bytes(agent.stream)).equals(wav), 'the CC-Gateway serves the same recording');
  const message = await client.download('/v1/agent-recordings', {
    query: { recordId: SEED.acme.voiceMessage, fileType: '2' },
  });
  assert.equal(message.contentType, 'audio/wav');
  await bytes(message.stream);

  const playback = await client.playbackUrl(SEED.acme.recording);
  assert.ok(playback.url.startsWith(`${demo.url}/v1/recordings/playback/`));
  assert.ok(Date.parse(playback.expiresAt) > Date.now());
  const played = await client.download('/v1/recordings/playback/{playbackId}', {
    path: { playbackId: playback.url.split('/').at(-1)! },
  });
  assert.ok((await bytes(played.stream)).equals(wav));
});

test('errors are the contract problems, typed', async () => {
  const err = await client.download('/v1/recordings', { query: { fileName: 'Y:/54/0/x.V3' } }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof GatewayProblem);
  assert.equal(err.status, 403);
  assert.equal(err.problem?.code, 'PATH_FORBIDDEN');
});

test('an upload, the native operations and the operations routes, through the typed api', async () => {
  const wav = demoRecording(3, 1);
  const up = await client.api.POST('/v1/ivr-files', {
    body: wav as unknown as string,
    bodySerializer: (b: unknown) => b as never,
    headers: { 'Content-Type': 'audio/wav' },
  });
  assert.equal(up.response.status, 201);
  const stored = up.data!;
  const back = await client.download('/v1/ivr-files', { query: { path: stored.fileName } });
  assert.ok((await bytes(back.stream)).equals(wav), 'the upload reads back byte for byte');

  const env = <M extends object>(msgBody: M) => ({ request: { version: '2.0' as const }, msgBody });
  const dl = await client.api.POST('/v1/ccfs/downloadRecord', {
    body: env({ fileName: SEED.acme.recording }),
    parseAs: 'stream',
  });
  assert.equal(dl.response.status, 200);
  await bytes(dl.data as ReadableStream<Uint8Array>);
  const token = await client.api.POST('/v1/ccfs/requestPlayVoice', { body: env({ fileName: SEED.acme.recording }) });
  assert.equal((token.data as { resultCode: string }).resultCode, '0');
  const ivr = await client.api.POST('/v1/ccfs/ivr/downloadFile', {
    body: env({ filePath: SEED.acme.ivrFile }),
    parseAs: 'stream',
  });
  assert.equal(ivr.response.status, 200);
  await bytes(ivr.data as ReadableStream<Uint8Array>);
  const nativeUp = await client.api.POST('/v1/ccfs/ivr/uploadFile', { body: env({ data: wav.toString('base64') }) });
  assert.equal((nativeUp.data as { resultCode: string }).resultCode, '0');

  assert.deepEqual((await client.api.GET('/healthz')).data, { status: 'ok' });
  assert.deepEqual((await client.api.GET('/readyz')).data, { status: 'ready' });
  const details = await client.api.GET('/readyz/details');
  assert.ok(details.data?.dependencies.some((d) => d.name.startsWith('agent:')));
  const metrics = await client.api.GET('/metrics', { parseAs: 'text' });
  assert.match(metrics.data as string, /cc_file_gateway_http_requests_total/);
  const doc = await client.api.GET('/openapi.json');
  assert.equal((doc.data as { openapi: string }).openapi, '3.1.0');
});

test('upload() sends the WAV as the raw body (a JSON body is 415 there) and the file reads back', async () => {
  const wav = demoRecording(1);
  const stored = await client.upload(wav, { vdnId: 53 });
  assert.match(stored.fileName, /^Y:\/3rdfile\/53\//);
  const back = await client.download('/v1/ivr-files', { query: { path: stored.fileName } });
  assert.ok((await bytes(back.stream)).equals(wav));
  await assert.rejects(client.upload(Buffer.from('not a wav'), { vdnId: 53 }), (err: unknown) => {
    assert.ok(err instanceof GatewayProblem);
    assert.equal(err.status, 415);
    return true;
  });
});

test('the package: npm pack gives a tarball that installs into a scratch project and runs under plain node', async () => {
  const run = promisify(execFile);
  const dir = mkdtempSync(join(tmpdir(), 'client-pack-'));
  // prepack builds dist/ (JavaScript and declarations) from src/.
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: 'clients/typescript' });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const files = packed!.files.map((f) => f.path).sort();
  assert.deepEqual(files, ['dist/index.d.ts', 'dist/index.js', 'dist/schema.d.ts', 'dist/schema.js', 'package.json']);
  // Its one dependency (and that one's), packed from what npm ci installed: the test reaches no registry.
  for (const dep of ['openapi-fetch', 'openapi-typescript-helpers'])
    await run('npm', ['pack', '--pack-destination', dir], { cwd: join('node_modules', dep) });
  const scratch = join(dir, 'scratch');
  mkdirSync(scratch);
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  const tarballs = readdirSync(dir)
    .filter((f) => f.endsWith('.tgz'))
    .map((f) => join(dir, f));
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', ...tarballs], { cwd: scratch });
  writeFileSync(
    join(scratch, 'main.mjs'),
    [
      "import { createGatewayClient, GatewayProblem } from '@cc-file-gateway/client';",
      'const [baseUrl, token, fileName] = process.argv.slice(2);',
      'const gw = createGatewayClient({ baseUrl, token });',
      "const rec = await gw.download('/v1/recordings', { query: { fileName } });",
      'const body = Buffer.from(await new Response(rec.stream).arrayBuffer());',
      "const refused = await gw.download('/v1/recordings', { query: { fileName: 'Y:/99/x.V3' } }).catch((e) => e);",
      'console.log(JSON.stringify({ name: rec.fileName, bytes: body.length, refused: refused instanceof GatewayProblem ? refused.status : null }));',
    ].join('\n'),
  );
  // Plain node: no TypeScript loader.
  const out = await run(process.execPath, ['main.mjs', demo.url, demo.tokens.acme!, SEED.acme.recording], {
    cwd: scratch,
  });
  const seen = JSON.parse(out.stdout) as { name: string; bytes: number; refused: number };
  assert.deepEqual(seen, {
    name: '4411223.wav',
    bytes: demo.ccfs.store.read(SEED.acme.recording).length,
    refused: 403,
  });
  // The README's snippet, as pasted, against the demo.
  const readme = readFileSync('README.md', 'utf8').split('### The TypeScript client')[1]!;
  writeFileSync(join(scratch, 'readme.mjs'), /```js\n([\s\S]*?)```/.exec(readme)![1]!);
  const snippet = await run(process.execPath, ['readme.mjs'], {
    cwd: scratch,
    env: { ...process.env, GW: demo.url, ACME_TOKEN: demo.tokens.acme! },
  });
  assert.match(
    snippet.stdout,
    // The search's calls first (at least one of the demo's, with its recording), then the rest.
    /^(?:\d{10}-\d{6} \S+\+08:00 \[ 'Y:\/53\/[^']+' \]\n)+415 UNSUPPORTED_MEDIA_TYPE\n4411223\.wav http:\/\/127\.0\.0\.1:\d+\/v1\/recordings\/playback\/\S+ \{ status: 'ready' \}/,
  );
  assert.ok(readFileSync(join(scratch, '4411223.wav')).equals(demo.ccfs.store.read(SEED.acme.recording)));
  // And its declarations serve a TypeScript consumer.
  writeFileSync(
    join(scratch, 'check.ts'),
    "import { createGatewayClient } from '@cc-file-gateway/client';\nconst gw = createGatewayClient({ baseUrl: 'http://x' });\nexport const ok: Promise<{ fileName: string }> = gw.upload(new Uint8Array(4));\n",
  );
  await run(
    process.execPath,
    [
      join(process.cwd(), 'node_modules/typescript/bin/tsc'),
      '--noEmit',
      '--strict',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--types',
      'node',
      '--typeRoots',
      join(process.cwd(), 'node_modules/@types'),
      'check.ts',
    ],
    { cwd: scratch },
  );
});

test('searchCalls() walks every page of a search, and its items lead to a download', async () => {
  const query = {
    from: new Date(Date.now() - 3 * 86_400_000).toISOString(),
    to: new Date(Date.now() + 3600_000).toISOString(),
    limit: '2',
  };
  const calls: string[] = [];
  let fileName: string | undefined;
  for await (const call of client.searchCalls(query)) {
    calls.push(call.callId);
    fileName ??= call.recordings[0]?.fileName;
  }
  assert.ok(calls.length > 4, `${calls.length} calls over several pages of 2`);
  assert.equal(new Set(calls).size, calls.length, 'each call once');
  const first = await client.api.GET('/v1/calls', { params: { query: { ...query, limit: '200' } } });
  assert.deepEqual(
    calls,
    first.data?.items.map((c) => c.callId),
    'the same calls as one big page, in order',
  );
  const rec = await client.download('/v1/recordings', { query: { fileName: fileName! } });
  assert.equal(rec.contentType, 'audio/wav');
  await rec.stream.cancel();
  await assert.rejects(
    async () => {
      for await (const _ of client.searchCalls({ ...query, limit: '0' })) break;
    },
    (err: unknown) => err instanceof GatewayProblem && err.status === 400,
  );
});
