import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGcPacer, youngCollector } from '../../src/ops/gc-pacer.js';

test('the pacer collects once per `everyBytes` streamed, whatever the chunk sizes', () => {
  let runs = 0;
  const pace = createGcPacer(() => {
    runs += 1;
  }, 1000);
  for (let i = 0; i < 99; i += 1) pace(10); // 990 bytes
  assert.equal(runs, 0);
  pace(10);
  assert.equal(runs, 1);
  pace(5000); // one big chunk: one collection, and the count starts again
  assert.equal(runs, 2);
  pace(999);
  assert.equal(runs, 2);
});

test('the young collector is available without a command-line flag, and runs', async () => {
  const collect = await youngCollector();
  assert.ok(collect, 'gc exposed at run time');
  const before = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < 64; i += 1) Buffer.alloc(64 * 1024); // 4 MiB of dead buffers
  collect();
  // A scavenge frees young dead buffers; their sweeping may finish a moment later, so allow slack.
  assert.ok(process.memoryUsage().arrayBuffers < before + 4 * 1024 * 1024);
});
