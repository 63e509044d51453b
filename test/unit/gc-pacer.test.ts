import assert from 'node:assert/strict';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { test } from 'node:test';
import { createGcPacer, youngCollector } from '../../src/ops/gc-pacer.js';
import { eventually } from '../helpers/eventually.js';

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

test('the young collector is available without a command-line flag, and runs a minor collection', async () => {
  const collect = youngCollector();
  assert.ok(collect, 'gc exposed at run time');
  const minors: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      if ((e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR)
        minors.push(e.startTime);
  });
  observer.observe({ entryTypes: ['gc'] });
  try {
    const before = performance.now();
    collect();
    const after = performance.now();
    // The collection runs inside the call: one reported between the two instants.
    await eventually(() => minors.some((t) => t >= before && t <= after), 'a minor collection inside the call', 5000);
  } finally {
    observer.disconnect();
  }
});
