/**
 * The command lines as a user meets them: `--help` and `--version` exit 0, a mistake prints the
 * usage and exits 2, never a stack trace; `--print-config` shows the effective config, secrets masked.
 */

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { DEMO_ENV } from '../../demo/env.js';

const exec = promisify(execFile);
const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const tools = [
  ['gateway', 'src/main.ts'],
  ['token tool', 'demo/token-cli.ts'],
  ['demo', 'demo/main.ts'],
] as const;

async function runTool(script: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', script, ...args], {
      env: { ...process.env, ...env },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

for (const [name, script] of tools) {
  test(`${name}: --help, -h and --version exit 0; an unknown flag prints the usage and exits 2, without a stack trace`, async () => {
    for (const flag of ['--help', '-h']) {
      const r = await runTool(script, [flag]);
      assert.equal(r.code, 0, `${flag}: ${r.stderr}`);
      assert.match(r.stdout, /^usage: /);
    }
    const v = await runTool(script, ['--version']);
    assert.equal(v.code, 0);
    assert.match(v.stdout, new RegExp(`${VERSION.replace(/\./g, '\\.')}\\n$`));
    const bad = await runTool(script, ['--no-such-flag']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--no-such-flag/);
    assert.match(bad.stderr, /usage: /);
    assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');
  });
}

test('the demo: --help names its environment; what its curl lines download lands in .demo/files, not the working folder', async () => {
  const help = await runTool('demo/main.ts', ['--help']);
  assert.match(help.stdout, /LOG_LEVEL/);
  const cwd = mkdtempSync(join(tmpdir(), 'demo-cwd-'));
  // tsx resolved from here: the demo runs in another folder.
  const tsx = import.meta.resolve('tsx');
  const child = spawn(process.execPath, ['--import', tsx, join(process.cwd(), 'demo/main.ts'), '--port', '0'], {
    cwd,
    env: { ...process.env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ctrl-C stops the demo')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`the demo exited (${code}): ${out}`)));
    });
    const outputs = [...out.matchAll(/(?:-o |--data-binary @)'?([^' ]+)'?/g)]
      .map((m) => m[1]!)
      .filter((p) => p !== '/dev/null');
    assert.ok(outputs.length >= 10, out);
    for (const p of outputs) assert.ok(p.startsWith(join(cwd, '.demo', 'files')), p);
    assert.match(out, /files land in \.demo\/files\//);
    assert.ok(out.includes('--fail-with-body'), 'a refusal shows its problem+json');
    assert.deepEqual(readdirSync(cwd), ['.demo'], 'nothing else in the working folder');
  } finally {
    child.kill('SIGTERM');
    rmSync(cwd, { recursive: true, force: true });
  }
});

test('the gateway: --print-config prints the effective configuration with every secret masked; a bad file is exit 2', async () => {
  const env: Record<string, string> = {
    ...DEMO_ENV,
    DEMO_CCFS_URL: 'http://127.0.0.1:1',
    DEMO_CCGW_URL: 'http://127.0.0.1:2',
  };

  const r = await runTool('src/main.ts', ['--config', 'config/demo.yaml', '--print-config'], env);
  assert.equal(r.code, 0, r.stderr);
  const printed = JSON.parse(r.stdout) as { server: { playbackSecret: string; headersTimeoutMs: number } };
  assert.equal(printed.server.playbackSecret, '********');
  assert.equal(printed.server.headersTimeoutMs, 10_000, 'defaults filled in');
  for (const secret of Object.values(env).filter((v) => !v.startsWith('http'))) {
    assert.ok(!r.stdout.includes(secret), 'no secret printed');
  }
  const missing = await runTool('src/main.ts', ['--config', '/nonexistent.yaml']);
  assert.equal(missing.code, 2);
  // Not at a terminal: one JSON line, as a log pipeline reads every other line of the gateway.
  const line = JSON.parse(missing.stderr.trim()) as { level: number; msg: string; issues: string[] };
  assert.equal(line.level, 60);
  assert.equal(line.msg, 'invalid configuration');
  assert.match(line.issues.join(' '), /cannot read config file/);
  assert.doesNotMatch(missing.stderr, /\n\s+at /);
  const noFile = await runTool('src/main.ts', [], { GATEWAY_CONFIG: '' });
  assert.equal(noFile.code, 2);
  assert.match(noFile.stderr, /usage: /);
});

test('the token tool: a bad value or an unknown tenant is a message and exit 2, never a stack trace', async () => {
  for (const args of [
    ['--ttl', 'soon'],
    ['--tenant', 'nobody'],
    ['--config', '/nonexistent.yaml'],
  ]) {
    const r = await runTool('demo/token-cli.ts', args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /^token: /);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});
