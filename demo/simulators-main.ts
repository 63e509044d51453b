/**
 * The simulators alone, for the compose file's HA demo: CC-FS on SIM_CCFS_PORT (8101) and
 * CC-Gateway on SIM_CCGW_PORT (8102), on SIM_HOST (0.0.0.0 in a container), with the demo's data.
 */
import { demoEnv } from './env.js';
import { startDemoSimulators } from './simulators.js';

const env = demoEnv();
const sims = await startDemoSimulators(env, {
  host: env.SIM_HOST ?? '127.0.0.1',
  ccfsPort: Number(env.SIM_CCFS_PORT ?? 8101),
  ccgwPort: Number(env.SIM_CCGW_PORT ?? 8102),
});
process.stdout.write(`simulators: CC-FS ${sims.ccfsUrl}, CC-Gateway ${sims.ccgwUrl}\n`);
const stop = () => {
  void Promise.all([sims.ccfs.close(), sims.ccgw.close()]).then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
