/**
 * `server.workers` above 1: the primary process forks the workers (`node:cluster`), which share
 * the API port, replaces one that dies, serves their metrics summed on `metrics.port` (prom-client's
 * aggregator), and on SIGTERM stops them all and waits. The workers share nothing in memory: each
 * is an instance of its own on the shared store (the config refuses workers on the memory store).
 */
import cluster, { type Worker } from 'node:cluster';
import { createServer } from 'node:http';
import type { Logger } from 'pino';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { GatewayConfig } from './config/schema.js';

/** A worker that dies this soon after its start is not restarted at once (a crash loop). */
const RESTART_BACKOFF_MS = 1000;

export function runPrimary(config: GatewayConfig, count: number, logger: Logger): Promise<number> {
  let stopping = false;
  const fork = (): Worker => {
    const w = cluster.fork();
    w.on('exit', (code, signal) => {
      if (stopping) return;
      logger.error({ worker: w.id, code, signal }, 'worker died; starting another');
      setTimeout(() => {
        if (!stopping) fork();
      }, RESTART_BACKOFF_MS).unref();
    });
    return w;
  };
  for (let i = 0; i < count; i += 1) fork();
  logger.info({ workers: count }, 'cc-file-gateway primary started its workers');

  const aggregator = new AggregatorRegistry();
  const metricsServer =
    config.metrics.enabled && config.metrics.port !== undefined
      ? createServer((req, res) => {
          if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
            res.writeHead(404).end();
            return;
          }
          aggregator.clusterMetrics().then(
            (text) => res.writeHead(200, { 'content-type': aggregator.contentType }).end(text),
            (err: Error) => {
              logger.warn({ err: { message: err.message } }, 'worker metrics could not be gathered');
              res.writeHead(503).end();
            },
          );
        }).listen(config.metrics.port, config.metrics.host)
      : undefined;

  return new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping the workers');
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
      let left = workers.length;
      let failed = false;
      const done = () => {
        metricsServer?.close();
        resolve(failed ? 1 : 0);
      };
      if (left === 0) return done();
      for (const w of workers) {
        w.once('exit', (code) => {
          if (code !== 0) failed = true;
          left -= 1;
          if (left === 0) done();
        });
        w.process.kill('SIGTERM');
      }
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

/** In a worker: lets the primary gather this registry's metrics. */
export function shareMetricsWithPrimary(registry: Registry): void {
  // The constructor is what makes a worker answer the primary's requests.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
}
