/** One contract, both stores: the memory store and the Redis store on a real redis-server. */
import { randomUUID } from 'node:crypto';
import { parseConfig } from '../../src/config/load.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { createRedisStore } from '../../src/store/redis-store.js';
import { captureLogger } from '../helpers/logs.js';
import { startRedis } from '../helpers/redis.js';
import { baseConfig } from '../helpers/stack.js';
import { storeContract } from '../store/contract.js';

storeContract('memory', async () => ({
  make: async () => createMemoryStore(Date.now),
}));

storeContract('redis', async () => {
  const redis = await startRedis();
  const { logger } = captureLogger();
  return {
    async make() {
      // Each store its own key prefix: it is alone in its deployment, as the contract supposes.
      const store = createRedisStore(
        {
          ...storeConfig(),
          url: redis.url,
          keyPrefix: `contract-${randomUUID().slice(0, 8)}:`,
        },
        { logger },
      );
      await store.start();
      return store;
    },
    close: () => redis.close(),
  };
});

function storeConfig() {
  return parseConfig({
    ...baseConfig('http://127.0.0.1:9'),
    store: { type: 'redis', url: 'redis://127.0.0.1:9', sealSecret: 'seal-secret-for-the-tests-0123456789abcdef' },
  }).store;
}
