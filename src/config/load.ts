import { createHash, createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { type GatewayConfig, SECRET_KEYS, validateConfig } from './schema.js';

/** Every problem found in a configuration, each prefixed with the key path it concerns. */
export class ConfigError extends Error {
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(`invalid configuration:\n  - ${issues.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

type Path = ReadonlyArray<string | number>;

function formatPath(path: Path): string {
  return path.reduce<string>(
    (acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg),
    '',
  );
}

const REF = /^\$\{(?:(file):(.+)|([A-Za-z_][A-Za-z0-9_]*))\}$/;

interface Resolution {
  value: unknown;
  issues: string[];
  /** Key paths whose value came from a reference (secrets must). */
  referenced: Set<string>;
}

/**
 * What `--schema-only` puts where a reference would be read: 32 characters (every secret's
 * minimum, no field's maximum), different for each key so that no "shared AK" rule fires.
 */
const standIn = (key: string) => {
  const value = `schema-only-${createHash('sha256').update(key).digest('hex').slice(0, 20)}`;
  // A URL read from the environment must still look like one of its kind.
  if (key === 'index.database.url') return `postgres://${value}/index`;
  if (key === 'store.url') return `redis://${value}:6379`;
  return value;
};

/**
 * Replaces whole-value `${NAME}` and `${file:/path}` references. A missing variable or file is
 * reported with the key that named it; every one is reported, not just the first. With
 * `standIns`, nothing is read: every reference gets a stand-in value (`--schema-only`).
 */
function resolveReferences(raw: unknown, env: NodeJS.ProcessEnv, standIns = false): Resolution {
  const issues: string[] = [];
  const referenced = new Set<string>();
  const walk = (node: unknown, path: Path): unknown => {
    if (Array.isArray(node)) return node.map((v, i) => walk(v, [...path, i]));
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, [...path, k])]));
    }
    if (typeof node !== 'string') return node;
    const m = REF.exec(node);
    if (!m) return node;
    const key = formatPath(path);
    referenced.add(key);
    if (standIns) return standIn(key);
    if (m[1] === 'file') {
      try {
        return readFileSync(m[2]!, 'utf8').replace(/\r?\n$/, '');
      } catch (err) {
        issues.push(`${key}: cannot read file ${m[2]} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
        return undefined;
      }
    }
    const v = env[m[3]!];
    if (v === undefined || v === '') {
      issues.push(`${key}: environment variable ${m[3]} is not set`);
      return undefined;
    }
    return v;
  };
  return { value: walk(raw, []), issues, referenced };
}

/** Values shipped as examples (`change-me...`): a deployment that kept one has no secret at all. */
const PLACEHOLDER = /^(change[-_ ]?me|replace[-_ ]?me|your[-_ ]|<.*>$|x{4,}$|todo\b)/i;

/** Every string under a secret's key, with its key path: what the two secret checks below look at. */
function secretValues(tree: unknown): Array<{ key: string; value: string }> {
  const out: Array<{ key: string; value: string }> = [];
  const walk = (node: unknown, path: Path): void => {
    if (Array.isArray(node)) {
      for (const [i, v] of node.entries()) walk(v, [...path, i]);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (SECRET_KEYS.has(k) && typeof v === 'string') out.push({ key: formatPath([...path, k]), value: v });
      walk(v, [...path, k]);
    }
  };
  walk(tree, []);
  return out;
}

const placeholderSecrets = (resolved: unknown): string[] =>
  secretValues(resolved)
    .filter((s) => PLACEHOLDER.test(s.value))
    .map((s) => `${s.key}: a placeholder value, not a secret: set the real one`);

const inlineSecrets = (raw: unknown, referenced: Set<string>): string[] =>
  secretValues(raw)
    .filter((s) => !referenced.has(s.key))
    .map((s) => `${s.key}: a secret must be given as \${ENV_VAR} or \${file:/path}, not written in the file`);

/** Files named by the config are read once, here, so that a bad one is a start-up error. */
function readReferencedFiles(cfg: GatewayConfig): string[] {
  const issues: string[] = [];
  cfg.auth.issuers.forEach((iss, i) => {
    if (!iss.publicKeyFile) return;
    try {
      iss.publicKeyPem = readFileSync(iss.publicKeyFile, 'utf8');
      const key = createPublicKey(iss.publicKeyPem);
      const family =
        key.asymmetricKeyType === 'ec'
          ? 'ES'
          : key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss'
            ? 'R'
            : '?';
      const ok = iss.algorithms.every((a) =>
        family === 'ES' ? a.startsWith('ES') : family === 'R' ? a.startsWith('RS') || a.startsWith('PS') : false,
      );
      if (!ok)
        issues.push(
          `auth.issuers[${i}].algorithms: do not match the ${key.asymmetricKeyType} key in ${iss.publicKeyFile}`,
        );
    } catch (err) {
      issues.push(
        `auth.issuers[${i}].publicKeyFile: cannot load a public key from ${iss.publicKeyFile} (${(err as Error).message})`,
      );
    }
  });
  const caFiles: Array<[string, string | undefined]> = [
    ...cfg.auth.issuers.map((iss, i): [string, string | undefined] => [`auth.issuers[${i}].caFile`, iss.caFile]),
    ['store.caFile', cfg.store.caFile],
    ['upstreams.ccfs.caFile', cfg.upstreams.ccfs.caFile],
    ['upstreams.ccgateway.caFile', cfg.upstreams.ccgateway?.caFile],
    ...cfg.tenants.flatMap(
      (t, i): Array<[string, string | undefined]> => [
        [
          `tenants[${i}].upstreams.ccfs.caFile`,
          t.upstreams.ccfs.caFile === cfg.upstreams.ccfs.caFile ? undefined : t.upstreams.ccfs.caFile,
        ],
        [
          `tenants[${i}].upstreams.ccgateway.caFile`,
          t.upstreams.ccgateway?.caFile === cfg.upstreams.ccgateway?.caFile ? undefined : t.upstreams.ccgateway?.caFile,
        ],
      ],
    ),
  ];
  for (const [key, file] of caFiles) {
    if (!file) continue;
    try {
      readFileSync(file);
    } catch (err) {
      issues.push(`${key}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  // The audit file is opened at start: a folder that is not there is a configuration problem.
  const audit = cfg.audit.destination;
  if (!['stdout', 'stderr', 'off'].includes(audit) && !existsSync(dirname(resolve(audit))))
    issues.push(`audit.destination: the folder of ${audit} does not exist`);
  return issues;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Validates an already-resolved config object: every issue at once, then frozen. `schemaOnly`: no file is read. */
export function parseConfig(input: unknown, opts: { schemaOnly?: boolean } = {}): GatewayConfig {
  const parsed = validateConfig(input);
  if ('issues' in parsed) {
    throw new ConfigError(parsed.issues.map((i) => `${formatPath(i.path as Path) || '(root)'}: ${i.message}`));
  }
  const issues = opts.schemaOnly ? [] : readReferencedFiles(parsed.config);
  if (issues.length) throw new ConfigError(issues);
  return deepFreeze(parsed.config);
}

/**
 * Reads YAML text, resolves references, checks secrets are not inline nor placeholders, and
 * validates. `schemaOnly` (a ConfigMap checked in CI): no variable or file is read, so the shape
 * and the rules are checked without the deployment's secrets and CA files.
 */
export function parseConfigText(
  text: string,
  env: NodeJS.ProcessEnv,
  opts: { schemaOnly?: boolean } = {},
): GatewayConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) throw new ConfigError(doc.errors.map((e) => `yaml: ${e.message}`));
  const raw: unknown = doc.toJS();
  const { value, issues, referenced } = resolveReferences(raw, env, opts.schemaOnly);
  issues.push(...inlineSecrets(raw, referenced), ...placeholderSecrets(value));
  let cfg: GatewayConfig | undefined;
  let schemaIssues: readonly string[] = [];
  try {
    cfg = parseConfig(value, opts);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    schemaIssues = err.issues;
  }
  // A key already reported (a missing variable) is not reported again as a missing value.
  const keyOf = (issue: string) => issue.slice(0, issue.indexOf(':'));
  const reported = new Set(issues.map(keyOf));
  const all = [...issues, ...schemaIssues.filter((i) => !reported.has(keyOf(i)))];
  if (all.length || !cfg) throw new ConfigError(all);
  return cfg;
}

export function loadConfigFile(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  opts: { schemaOnly?: boolean } = {},
): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`cannot read config file ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  return parseConfigText(text, env, opts);
}

/** The effective configuration as an operator may see it: every secret, and the PEM text, masked. */
/** A URL's password (`postgres://user:secret@db/index`, read from the environment) never printed. */
const maskUrlPassword = (v: string) => v.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*:)[^/@]*@/i, '$1********@');

export function maskSecrets(config: GatewayConfig): unknown {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [
        k,
        SECRET_KEYS.has(k) && typeof v === 'string'
          ? '********'
          : k === 'publicKeyPem'
            ? '(read from publicKeyFile)'
            : typeof v === 'string'
              ? maskUrlPassword(v)
              : walk(v),
      ]),
    );
  };
  return walk(config);
}
