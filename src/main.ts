/**
 * Composition root: load and check the config, start telemetry when it is on, then load and start
 * the gateway, stop it gracefully. The gateway's modules are imported only after telemetry has
 * registered its instrumentations, which must see express, undici and ioredis being loaded.
 */

import cluster from 'node:cluster';
import { availableParallelism, tmpdir } from 'node:os';
import { parseCli } from './cli.js';
import { ConfigError, loadConfigFile, maskSecrets } from './config/load.js';
import type { GatewayConfig } from './config/schema.js';
import { configWarnings, SIGN_OUT_MARGIN_MS } from './config/warnings.js';
import { compileTenantPolicy, policyWarnings } from './domain/tenant-policy.js';
import { createLogger } from './edge/logging.js';
import { createSpool } from './http/spool.js';
import { youngCollector } from './ops/gc-pacer.js';
import { missingRuntimeFlags } from './ops/runtime-flags.js';
import { VERSION } from './version.js';

const USAGE = `usage: cc-file-gateway --config <file.yaml> [--check-config [--schema-only] | --print-config]

  -c, --config <file>   the YAML configuration (or set GATEWAY_CONFIG)
      --check-config    validate it, print every problem with its key path, and exit
      --schema-only     with --check-config: read no variable, secret file or CA file, and check
                        no folder (a ConfigMap in CI, without the deployment's secrets)
      --print-config    print the effective configuration (defaults filled, secrets masked), and exit
  -h, --help            this text
      --version         the version
`;

async function main(): Promise<number> {
  const values = parseCli(process.argv.slice(2), {
    name: 'cc-file-gateway',
    usage: USAGE,
    options: {
      config: { type: 'string', short: 'c' },
      'check-config': { type: 'boolean' },
      'print-config': { type: 'boolean' },
      'schema-only': { type: 'boolean' },
    },
  });
  const schemaOnly = values['schema-only'] === true;
  if (schemaOnly && !values['check-config']) {
    process.stderr.write(`cc-file-gateway: --schema-only goes with --check-config\n\n${USAGE}`);
    return 2;
  }
  const file = (values.config as string | undefined) ?? process.env.GATEWAY_CONFIG;
  if (!file) {
    process.stderr.write(`cc-file-gateway: no configuration file\n\n${USAGE}`);
    return 2;
  }
  let config: GatewayConfig;
  try {
    config = loadConfigFile(file, process.env, { schemaOnly });
  } catch (err) {
    if (err instanceof ConfigError) {
      // Read by a person at a terminal (or --check-config); by a log pipeline otherwise, as every other line.
      if (values['check-config'] || values['print-config'] || process.stderr.isTTY)
        process.stderr.write(`${file}: ${err.message}\n`);
      else
        process.stderr.write(
          `${JSON.stringify({ level: 60, time: new Date().toISOString(), service: 'cc-file-gateway', version: VERSION, msg: 'invalid configuration', file, issues: err.issues })}\n`,
        );
      return 2;
    }
    throw err;
  }
  if (values['print-config']) {
    process.stdout.write(`${JSON.stringify(maskSecrets(config), null, 2)}\n`);
    return 0;
  }
  const warnings = [...configWarnings(config), ...policyWarnings(config.tenants.map(compileTenantPolicy))];
  if (values['check-config']) {
    // What the schema cannot see but every upload would hit: a spool the process cannot write to.
    const spool = schemaOnly ? undefined : await createSpool(config.server.spoolDir ?? tmpdir()).problem();
    if (spool !== undefined) {
      process.stderr.write(`${file}: server.spoolDir: ${spool}\n`);
      return 2;
    }
    for (const w of warnings) process.stderr.write(`${file}: warning: ${w}\n`);
    process.stdout.write(
      `${file}: configuration is valid${schemaOnly ? ' by its schema and rules (no secret, file or folder read)' : ''} (${config.tenants.length} tenants, ${config.auth.issuers.length} issuers)\n`,
    );
    return 0;
  }
  const logger = createLogger(config.logging.level, undefined, { levelNames: config.logging.levelNames });
  for (const w of warnings) if (cluster.isPrimary) logger.warn(w);
  const missing = missingRuntimeFlags();
  if (missing.length > 0 && cluster.isPrimary)
    logger.info({ missing }, `started without ${missing.join(' ')}: latency after idle periods will be higher`);
  const workers = config.server.workers === 'auto' ? availableParallelism() : config.server.workers;
  // The primary of several workers serves no request: only the workers trace.
  const telemetry =
    config.telemetry.otlp && !(workers > 1 && cluster.isPrimary)
      ? await (await import('./telemetry/setup.js')).startTelemetry(config.telemetry, VERSION)
      : undefined;
  if (telemetry)
    logger.info(
      { endpoint: config.telemetry.otlp!.endpoint, samplingRatio: config.telemetry.samplingRatio },
      'traces exported over OTLP/HTTP',
    );
  const { runPrimary, shareMetricsWithPrimary } = await import('./cluster.js');
  const { createGateway } = await import('./gateway.js');
  if (workers > 1 && cluster.isPrimary) return runPrimary(config, workers, logger);
  // A worker leaves `metrics.port` to the primary, which sums every worker's metrics there.
  const collectYoung = youngCollector();
  const gateway = createGateway(config, {
    logger,
    metricsListener: workers === 1,
    ...(collectYoung ? { collectYoung } : {}),
  });
  if (workers > 1) shareMetricsWithPrimary(gateway.deps.metrics.registry);
  const url = await gateway.listen();
  logger.info(
    { url, version: VERSION, node: process.version, ...(cluster.isWorker ? { worker: cluster.worker?.id } : {}) },
    'cc-file-gateway listening',
  );

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal, graceMs: config.server.shutdownGraceMs }, 'shutting down');
      // Whatever is still pending (a hung request, a key fetch, a pool), the process ends in time:
      // the platform's kill would come anyway, and without the agents' sign-out.
      const deadlineMs = config.server.drainDelayMs + config.server.shutdownGraceMs + SIGN_OUT_MARGIN_MS;
      setTimeout(() => {
        logger.error({ deadlineMs }, 'shutdown did not finish in time; exiting');
        process.exit(1);
      }, deadlineMs).unref();
      gateway.close().then(
        async () => {
          await telemetry?.shutdown().catch(() => undefined);
          resolve(0);
        },
        (err) => {
          logger.error({ err }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

process.on('unhandledRejection', (err) => {
  process.stderr.write(`unhandled rejection: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});

main().then(
  (code) => {
    // Everything was closed; a socket or timer left behind by a library must not keep the process up.
    process.exit(code);
  },
  (err) => {
    process.stderr.write(`fatal: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
