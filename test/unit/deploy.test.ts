/**
 * The deploy kit, checked offline: the Kubernetes manifests against the Kubernetes schemas
 * (kubernetes-models validates each object with the API's own OpenAPI definitions), and the
 * compose file's services, ports and environment against the gateway's config schema.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { DEMO_ENV } from '../../demo/env.js';
import { parseConfigText } from '../../src/config/load.js';
import type { GatewayConfig } from '../../src/config/schema.js';
import { SIGN_OUT_MARGIN_MS } from '../../src/config/warnings.js';
import { missingRuntimeFlags, RUNTIME_FLAGS } from '../../src/ops/runtime-flags.js';

const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');
// biome-ignore lint/suspicious/noExplicitAny: manifests are checked by their schemas, then read freely
type Doc = Record<string, any>;
const docs = (p: string): Doc[] => parseAllDocuments(read(p)).map((d) => d.toJSON() as Doc);

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  Deployment,
  Service,
  PodDisruptionBudget,
  ConfigMap,
  Secret,
  NetworkPolicy,
};
/** Every ${NAME} a config text refers to, given a dummy value, so that the schema alone judges it. */
function fakeEnv(text: string): Record<string, string> {
  return Object.fromEntries(
    [...text.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => [m[1]!, 'placeholder-0123456789abcdefghij']),
  );
}

/** The kit as operators render it: `kubectl kustomize` (Debian's kubernetes-client, or any newer kubectl). */
const renders = new Map<string, string>();
/** Rendered once per folder of the repository (parsed afresh each time: tests change what they get); `fresh` for an edited copy. */
function render(dir: string, opts: { fresh?: boolean } = {}): Doc[] {
  let out = opts.fresh ? undefined : renders.get(dir);
  if (out === undefined) {
    out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (!opts.fresh) renders.set(dir, out);
  }
  return parseAllDocuments(out).map((d) => d.toJSON() as Doc);
}
const KIT = 'deploy/kubernetes';
const of = (rendered: Doc[], kind: string) => rendered.find((d) => d.kind === kind)!;
/** The gateway's config inside a rendered kit, judged as `--check-config --schema-only` judges it in CI. */
function configOf(rendered: Doc[]): { text: string; config: GatewayConfig } {
  const text = of(rendered, 'ConfigMap').data['gateway.yaml'] as string;
  return { text, config: parseConfigText(text, {}, { schemaOnly: true }) };
}

test('the kit renders with kubectl kustomize (the base and both overlays) and every object validates against the Kubernetes schemas', () => {
  for (const dir of ['base', 'overlays/single', 'overlays/ha']) {
    const rendered = render(`${KIT}/${dir}`);
    assert.deepEqual(
      rendered.map((d) => d.kind).sort(),
      ['ConfigMap', 'Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'Service'],
      dir,
    );
    for (const doc of rendered) {
      const Model = MODELS[doc.kind]!;
      assert.doesNotThrow(() => new Model(doc as never).validate(), `${dir} (${doc.kind})`);
      assert.equal(doc.metadata.labels['app.kubernetes.io/name'], 'cc-file-gateway', `${dir} ${doc.kind} labelled`);
    }
  }
  const secret = docs(`${KIT}/base/secret.example.yaml`)[0]!;
  assert.doesNotThrow(() => new Secret(secret as never).validate());
  // The validator is not lenient: a wrong type is refused.
  const broken = of(render(`${KIT}/base`), 'Deployment');
  broken.spec.replicas = 'two';
  assert.throws(() => new Deployment(broken as never).validate());
});

test('the Deployment: two replicas, probes on /healthz and /readyz, a grace that covers drain and shutdown, locked down, secrets as files', () => {
  const rendered = render(`${KIT}/base`);
  const dep = of(rendered, 'Deployment');
  const { text, config } = configOf(rendered);
  assert.equal(config.store.type, 'redis');
  const pod = dep.spec.template.spec;
  const c = pod.containers[0];
  assert.ok(dep.spec.replicas >= 2);
  assert.equal(c.livenessProbe.httpGet.path, '/healthz');
  assert.equal(c.readinessProbe.httpGet.path, '/readyz');
  // One slow answer must not take a replica out: a probe misses at least twice before it counts.
  assert.ok(c.readinessProbe.failureThreshold >= 2, 'failureThreshold of at least 2');
  assert.ok(c.readinessProbe.periodSeconds * c.readinessProbe.failureThreshold >= 10, 'at least 10 s of misses');
  const needMs = config.server.drainDelayMs + config.server.shutdownGraceMs + SIGN_OUT_MARGIN_MS;
  assert.ok(pod.terminationGracePeriodSeconds * 1000 > needMs, `${pod.terminationGracePeriodSeconds} s > ${needMs} ms`);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  const spool = c.volumeMounts.find((m: Doc) => m.mountPath === config.server.spoolDir);
  assert.ok(spool, 'the spool directory is mounted');
  assert.ok(pod.volumes.find((v: Doc) => v.name === spool.name).emptyDir, 'as an emptyDir');
  const ports = Object.fromEntries(c.ports.map((p: Doc) => [p.name, p.containerPort]));
  assert.equal(ports.http, config.server.port);
  assert.equal(ports.metrics, config.metrics.port);
  assert.equal(c.env.find((e: Doc) => e.name === 'HEALTH_PORT')?.value, String(config.server.port));
  // The generated ConfigMap (its name hashed from gateway.yaml) is the one the pods mount.
  const cmName = of(rendered, 'ConfigMap').metadata.name as string;
  assert.match(cmName, /^cc-file-gateway-config-[a-z0-9]{10}$/);
  assert.equal(pod.volumes.find((v: Doc) => v.configMap)?.configMap.name, cmName);
  // Every secret is a file of the Secret, mounted where the config reads it; none is in the environment.
  const secretKeys = Object.keys(docs(`${KIT}/base/secret.example.yaml`)[0]!.stringData);
  const files = [...text.matchAll(/\$\{file:([^}]+)\}/g)].map((m) => m[1]!);
  assert.ok(files.length >= 6, 'the secrets are file references');
  assert.deepEqual(Object.keys(fakeEnv(text)), [], 'no secret from an environment variable');
  const mount = c.volumeMounts.find((m: Doc) => m.mountPath === '/run/secrets/gateway');
  assert.equal(mount?.readOnly, true);
  assert.equal(pod.volumes.find((v: Doc) => v.name === mount.name).secret.secretName, 'cc-file-gateway-secrets');
  for (const file of files) {
    assert.ok(file.startsWith('/run/secrets/gateway/'), file);
    assert.ok(secretKeys.includes(file.slice('/run/secrets/gateway/'.length)), `${file} is a key of the Secret`);
  }
  assert.ok(!c.env.some((e: Doc) => e.valueFrom?.secretKeyRef), 'no secretKeyRef in the environment');
  const pdb = of(rendered, 'PodDisruptionBudget');
  assert.deepEqual(pdb.spec.selector.matchLabels, dep.spec.selector.matchLabels);
  assert.ok(pdb.spec.minAvailable >= 1 && pdb.spec.minAvailable < dep.spec.replicas);
});

test('the overlays: one replica on the memory store that a drain may take; three on Redis with two always up', () => {
  const single = render(`${KIT}/overlays/single`);
  assert.equal(of(single, 'Deployment').spec.replicas, 1);
  assert.equal(configOf(single).config.store.type, 'memory');
  const singlePdb = of(single, 'PodDisruptionBudget').spec;
  assert.equal(singlePdb.minAvailable, undefined);
  assert.ok(singlePdb.maxUnavailable >= 1, 'a node drain is not blocked by the one pod');
  const ha = render(`${KIT}/overlays/ha`);
  assert.equal(of(ha, 'Deployment').spec.replicas, 3);
  assert.equal(configOf(ha).config.store.type, 'redis');
  assert.equal(of(ha, 'PodDisruptionBudget').spec.minAvailable, 2);
});

test('an edit of the config rolls the pods: the generated ConfigMap gets a new name, and the Deployment follows it', () => {
  const copy = mkdtempSync(join(tmpdir(), 'kit-'));
  try {
    cpSync(KIT, copy, { recursive: true });
    const before = of(render(`${copy}/base`, { fresh: true }), 'ConfigMap').metadata.name;
    const file = join(copy, 'base', 'gateway.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('drainDelayMs: 5000', 'drainDelayMs: 4000'));
    const after = render(`${copy}/base`, { fresh: true });
    assert.notEqual(of(after, 'ConfigMap').metadata.name, before);
    assert.equal(
      of(after, 'Deployment').spec.template.spec.volumes.find((v: Doc) => v.configMap).configMap.name,
      of(after, 'ConfigMap').metadata.name,
    );
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

test('docker-compose.yml: Redis, two gateway replicas behind one port, the simulators; its config and env fit the schema', () => {
  const compose = parseYaml(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Doc> };
  const s = compose.services;
  assert.deepEqual(Object.keys(s).sort(), ['gateway', 'lb', 'redis', 'simulators']);
  assert.ok(s.gateway!.deploy.replicas >= 2);
  assert.equal(s.gateway!.ports, undefined, 'the replicas publish no port: the load balancer does');
  assert.deepEqual(s.lb!.ports, ['8080:8080']);

  const mount = (s.gateway!.volumes as string[]).find((v) => v.endsWith(':/etc/gateway/gateway.yaml:ro'))!;
  assert.equal(s.gateway!.environment.GATEWAY_CONFIG, '/etc/gateway/gateway.yaml');
  const text = read(mount.split(':')[0]!.replace(/^\.\//, ''));
  // The gateway's environment fills every reference (nothing left to a default or to chance).
  const env = Object.fromEntries(
    Object.entries(s.gateway!.environment as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
  );
  for (const name of Object.keys(fakeEnv(text))) assert.ok(env[name], `${name} is set for the gateway`);
  const config = parseConfigText(text, env);
  assert.equal(config.store.type, 'redis');
  assert.equal(new URL(config.store.url!).hostname, 'redis');
  assert.equal(new URL(config.upstreams.ccfs.baseUrl).hostname, 'simulators');
  assert.equal(new URL(config.upstreams.ccfs.baseUrl).port, s.simulators!.environment.SIM_CCFS_PORT);
  assert.equal(new URL(config.upstreams.ccgateway!.baseUrl).port, s.simulators!.environment.SIM_CCGW_PORT);
  // The simulators know the same demo credentials the gateway signs with.
  for (const [k, v] of Object.entries(DEMO_ENV)) assert.equal(String(s.simulators!.environment[k] ?? ''), v, k);
  assert.ok(s.gateway!.tmpfs.includes(config.server.spoolDir), 'the spool is writable on a read-only root');

  const nginx = read('deploy/compose/nginx.conf');
  assert.match(nginx, new RegExp(`server gateway:${config.server.port} resolve;`));
  assert.match(nginx, /listen 8080;/);
  const graceSec = Number(/^(\d+)s$/.exec(s.gateway!.stop_grace_period)![1]);
  assert.ok(graceSec * 1000 > config.server.drainDelayMs + config.server.shutdownGraceMs + SIGN_OUT_MARGIN_MS);
});

test('every way of starting the gateway passes its runtime flags: npm start, the image, and no manifest overrides the command', () => {
  const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start!;
  // The last stage is the gateway's image.
  const cmd = /^CMD (\[.*\])$/m.exec(
    read('Dockerfile')
      .split(/^FROM /m)
      .at(-1)!,
  )?.[1];
  assert.ok(cmd, 'the image has a CMD');
  const argv = JSON.parse(cmd) as string[];
  for (const flag of RUNTIME_FLAGS) {
    assert.ok(start.split(' ').includes(flag), `npm start passes ${flag}`);
    assert.ok(
      argv.includes(flag) && argv.indexOf(flag) < argv.indexOf('dist/main.js'),
      `the image's CMD passes ${flag}`,
    );
  }
  assert.deepEqual(missingRuntimeFlags(argv.slice(1, argv.indexOf('dist/main.js'))), []);
  assert.deepEqual(missingRuntimeFlags([]), [...RUNTIME_FLAGS]);
  const container = of(render(`${KIT}/base`), 'Deployment').spec.template.spec.containers[0];
  assert.equal(container.command, undefined, 'the Deployment keeps the image CMD');
  assert.equal(
    parseYaml(read('docker-compose.yml')).services.gateway.command,
    undefined,
    'compose keeps the image CMD',
  );
});
