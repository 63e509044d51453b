/**
 * Gateway processes started from the built code (`dist/main.js`, which `npm test` builds first),
 * each with its config in a YAML file and its secrets in its environment, as in production.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SECRET_KEYS } from '../../src/config/schema.js';
import { RUNTIME_FLAGS } from '../../src/ops/runtime-flags.js';
import { eventually } from './eventually.js';
import type { RawConfig } from './stack.js';

export interface GatewayProcess {
  name: string;
  url: string;
  proc: ChildProcess;
  /** Every line it wrote, stdout and stderr. */
  lines: string[];
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<number | string>;
  kill(): Promise<number | string>;
}

/** The config with every secret replaced by an `${ENV}` reference, and the environment that fills them. */
function externalize(raw: RawConfig): { doc: RawConfig; env: Record<string, string> } {
  const env: Record<string, string> = {};
  let n = 0;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => {
          if (SECRET_KEYS.has(k) && typeof x === 'string') {
            n += 1;
            env[`GW_SECRET_${n}`] = x;
            return [k, `\${GW_SECRET_${n}}`];
          }
          return [k, walk(x)];
        }),
      );
    return v;
  };
  return { doc: walk(raw) as RawConfig, env };
}

export async function startGatewayProcess(name: string, raw: RawConfig): Promise<GatewayProcess> {
  const dir = mkdtempSync(join(tmpdir(), `gw-${name}-`));
  const { doc, env } = externalize(raw);
  const file = join(dir, 'config.yaml');
  writeFileSync(file, JSON.stringify(doc, null, 2));
  const proc = spawn(process.execPath, [...RUNTIME_FLAGS, 'dist/main.js', '--config', file], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [proc.stdout!, proc.stderr!]) {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop()!;
      lines.push(...parts);
    });
  }
  const exited = new Promise<number | string>((resolve) =>
    proc.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const url = await eventually(
    () => {
      if (proc.exitCode !== null) throw new Error(`${name} exited: ${lines.join('\n')}`);
      for (const l of lines) {
        if (!l.includes('cc-file-gateway listening')) continue;
        return (JSON.parse(l) as { url: string }).url;
      }
      return undefined;
    },
    `${name} listening`,
    20_000,
  );
  return {
    name,
    url,
    proc,
    lines,
    exited,
    stop() {
      proc.kill('SIGTERM');
      return exited;
    },
    kill() {
      proc.kill('SIGKILL');
      return exited;
    },
  };
}
