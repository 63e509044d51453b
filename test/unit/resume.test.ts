/**
 * Resuming a cut download (issue 21) on fake vendor answers: a cut is healed with the same bytes,
 * and whatever the vendor serves on the next try, the client gets a prefix of one answer followed
 * by a cut, or one whole answer: never bytes of two different files.
 */

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ResumeCounts } from '../../src/edge/scope.js';
import { ResumeMismatchError } from '../../src/errors/catalogue.js';
import { type ResumePolicy, resumable } from '../../src/http/resume.js';
import type { UpstreamFile } from '../../src/upstream/ports.js';
import { eventually } from '../helpers/eventually.js';

interface Answer {
  bytes: Buffer;
  /** The body fails with a reset after this many bytes (head included). */
  cutAt?: number;
  /** The body ends cleanly after this many bytes, whatever it announced. */
  endAt?: number;
  /** The announced length; the bytes' own by default, none when null. */
  length?: number | null;
  chunk?: number;
}

/** A vendor answer as the CC-FS client hands it on: the first bytes read, the rest streaming. */
function answer(a: Answer): UpstreamFile & { destroyed: () => boolean } {
  const head = a.bytes.subarray(0, Math.min(12, a.cutAt ?? Infinity, a.bytes.length));
  const stop = Math.min(a.cutAt ?? Infinity, a.endAt ?? Infinity, a.bytes.length);
  const size = a.chunk ?? 1000;
  let at = head.length;
  // One chunk at a time, so that a cut comes after every byte before it was taken (as from a socket).
  const rest = new Readable({
    highWaterMark: 1,
    read() {
      if (at >= stop) {
        if (a.cutAt !== undefined && a.cutAt <= stop)
          this.destroy(Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
        else this.push(null);
        return;
      }
      const end = Math.min(at + size, stop);
      this.push(a.bytes.subarray(at, end));
      at = end;
    },
  });
  const length = a.length === null ? undefined : (a.length ?? a.bytes.length);
  return { contentType: 'audio/wav', contentLength: length, head, rest, destroyed: () => rest.destroyed };
}

const POLICY: ResumePolicy = { enabled: true, maxAttempts: 2, maxBytes: 1024 * 1024 };
const newCounts = (): ResumeCounts => ({ attempts: 0, resumed: 0, mismatched: 0, failed: 0 });

/** Everything the client would be handed, and how it ended. */
async function drain(file: UpstreamFile): Promise<{ bytes: Buffer; error?: unknown }> {
  const parts = [file.head];
  try {
    for await (const c of file.rest as AsyncIterable<Buffer>) parts.push(c);
    return { bytes: Buffer.concat(parts) };
  } catch (error) {
    return { bytes: Buffer.concat(parts), error };
  }
}

/** Serves the given answers in turn, one per call, and counts the calls. */
function opener(answers: Answer[]) {
  const served: ReturnType<typeof answer>[] = [];
  const open = async () => {
    const a = answers[served.length];
    if (!a) throw new Error('the vendor was asked more often than the test planned');
    const f = answer(a);
    served.push(f);
    return f;
  };
  return { open, served };
}

async function run(answers: Answer[], policy = POLICY, signal = new AbortController().signal) {
  const { open, served } = opener(answers);
  const counts = newCounts();
  const first = await open();
  const out = await drain(resumable(first, open, { policy, signal, counts }));
  return { ...out, counts, served };
}

const FILE = randomBytes(50_000);

test('a reset mid-body is resumed: the client gets the whole file, the vendor was asked twice', async () => {
  const r = await run([{ bytes: FILE, cutAt: 20_017 }, { bytes: FILE }]);
  assert.equal(r.error, undefined);
  assert.ok(r.bytes.equals(FILE));
  assert.deepEqual(r.counts, { attempts: 1, resumed: 1, mismatched: 0, failed: 0 });
  assert.equal(r.served.length, 2);
});

test('a cut inside the re-read prefix is one more attempt; cuts past the budget reach the client', async () => {
  const healed = await run([{ bytes: FILE, cutAt: 30_000 }, { bytes: FILE, cutAt: 10_000 }, { bytes: FILE }]);
  assert.ok(healed.bytes.equals(FILE));
  assert.deepEqual(healed.counts, { attempts: 2, resumed: 1, mismatched: 0, failed: 1 });

  const cut = await run([
    { bytes: FILE, cutAt: 30_000 },
    { bytes: FILE, cutAt: 35_000 },
    { bytes: FILE, cutAt: 40_000 },
  ]);
  assert.equal((cut.error as { code?: string }).code, 'ECONNRESET');
  assert.ok(cut.bytes.length <= 40_000, 'no byte past the last cut');
  assert.ok(cut.bytes.equals(FILE.subarray(0, cut.bytes.length)), 'the bytes sent are the start of the file');
  assert.deepEqual(cut.counts, { attempts: 2, resumed: 2, mismatched: 0, failed: 0 });
  assert.equal(cut.served.length, 3, 'maxAttempts (2) resumes, no more');
});

test('an early clean end against the announced length is resumed too', async () => {
  const r = await run([{ bytes: FILE, endAt: 25_000 }, { bytes: FILE }]);
  assert.equal(r.error, undefined);
  assert.ok(r.bytes.equals(FILE));
  assert.equal(r.counts.resumed, 1);
});

test('other bytes before the cut are a mismatch: the client is cut, nothing of the new answer is sent', async () => {
  const other = Buffer.from(FILE);
  other[5_000] = other[5_000]! ^ 0xff;
  const r = await run([{ bytes: FILE, cutAt: 20_000 }, { bytes: other }]);
  assert.ok(r.error instanceof ResumeMismatchError);
  assert.ok(r.bytes.equals(FILE.subarray(0, 20_000)));
  assert.deepEqual(r.counts, { attempts: 1, resumed: 0, mismatched: 1, failed: 0 });
  await eventually(() => r.served[1]!.destroyed(), "the mismatched answer's stream is torn down");
});

test('another length, or a new answer shorter than what was sent, is a mismatch', async () => {
  const longer = Buffer.concat([FILE, Buffer.from('more')]);
  const a = await run([{ bytes: FILE, cutAt: 20_000 }, { bytes: longer }]);
  assert.ok(a.error instanceof ResumeMismatchError);
  assert.match(String((a.error as Error).message), /length changed/);
  // Without a length (a zip), a new answer that ends before the cut cannot be the same file.
  const b = await run([
    { bytes: FILE, cutAt: 20_000, length: null },
    { bytes: FILE.subarray(0, 10_000), length: null },
  ]);
  assert.ok(b.error instanceof ResumeMismatchError);
  assert.ok(b.bytes.equals(FILE.subarray(0, 20_000)));
});

test('no resume past maxBytes, when off, or once the client is gone', async () => {
  const past = await run([{ bytes: FILE, cutAt: 20_000 }], { ...POLICY, maxBytes: 19_999 });
  assert.ok(past.error);
  assert.equal(past.served.length, 1);
  assert.equal(past.counts.attempts, 0);

  const off = await run([{ bytes: FILE, cutAt: 20_000 }], { ...POLICY, enabled: false });
  assert.ok(off.error);
  assert.equal(off.served.length, 1);

  const gone = new AbortController();
  gone.abort();
  const left = await run([{ bytes: FILE, cutAt: 20_000 }], POLICY, gone.signal);
  assert.ok(left.error);
  assert.equal(left.served.length, 1);
});

test('a vendor that refuses the new request fails the attempt; the cut reaches the client', async () => {
  const counts = newCounts();
  let calls = 0;
  const open = async () => {
    calls += 1;
    throw new Error('503 from the load balancer');
  };
  const first = answer({ bytes: FILE, cutAt: 20_000 });
  const r = await drain(resumable(first, open, { policy: POLICY, signal: new AbortController().signal, counts }));
  assert.ok(r.error);
  assert.equal(calls, 2);
  assert.deepEqual(counts, { attempts: 2, resumed: 0, mismatched: 0, failed: 2 });
});

test('the client leaving early tears the current vendor stream down', async () => {
  const { open, served } = opener([{ bytes: FILE, cutAt: 20_000 }, { bytes: FILE }]);
  const file = resumable(await open(), open, {
    policy: POLICY,
    signal: new AbortController().signal,
    counts: newCounts(),
  });
  let got = file.head.length;
  for await (const c of file.rest as AsyncIterable<Buffer>) {
    got += c.length;
    if (got > 30_000) break;
  }
  assert.equal(served.length, 2);
  await eventually(() => served[1]!.destroyed(), 'the resumed answer was destroyed with the client');
});

test('property: whatever the vendor serves, the client gets one answer whole, or a prefix and a cut', async () => {
  const answerArb = (size: number) =>
    fc.record({
      cutAt: fc.option(fc.integer({ min: 0, max: size }), { nil: undefined }),
      flipAt: fc.option(fc.integer({ min: 0, max: size - 1 }), { nil: undefined }),
      chunk: fc.integer({ min: 1, max: 4096 }),
    });
  await fc.assert(
    fc.asyncProperty(
      fc
        .integer({ min: 1, max: 20_000 })
        .chain((size) => fc.tuple(fc.constant(size), fc.array(answerArb(size), { minLength: 1, maxLength: 4 }))),
      fc.integer({ min: 0, max: 3 }),
      async ([size, plan], maxAttempts) => {
        const original = FILE.subarray(0, size);
        const answers = plan.map(({ cutAt, flipAt, chunk }) => {
          const bytes = Buffer.from(original);
          if (flipAt !== undefined) bytes[flipAt] = bytes[flipAt]! ^ 0x5a;
          return { bytes, chunk, ...(cutAt !== undefined ? { cutAt } : {}) };
        });
        // Enough answers for every attempt: the last planned one repeats, whole.
        while (answers.length <= maxAttempts + 1) {
          const { bytes, chunk } = answers[answers.length - 1]!;
          answers.push({ bytes, chunk });
        }
        const r = await run(answers, { ...POLICY, maxAttempts });
        const served = answers.slice(0, r.served.length).map((a) => a.bytes);
        if (r.error === undefined) {
          // Complete: byte for byte one answer the vendor gave (whatever was sent before matched it).
          assert.ok(
            served.some((b) => b.equals(r.bytes)),
            'a complete answer is one answer whole',
          );
        } else {
          // Cut (the client sees an error): what it got is the start of one answer.
          assert.ok(
            served.some((b) => b.subarray(0, r.bytes.length).equals(r.bytes)),
            'a cut answer is a prefix of one answer',
          );
        }
        assert.ok(r.counts.attempts <= maxAttempts);
      },
    ),
    { numRuns: 300, seed: 20261201 },
  );
});

test('a new answer that arrives after the client left is torn down, and its abort error caught', async () => {
  let deliver: (f: UpstreamFile) => void = () => undefined;
  let asked = false;
  const open = () => {
    asked = true;
    return new Promise<UpstreamFile>((resolve) => {
      deliver = resolve;
    });
  };
  const file = resumable(answer({ bytes: FILE, cutAt: 20_000 }), open, {
    policy: POLICY,
    signal: new AbortController().signal,
    counts: newCounts(),
  });
  file.rest.on('error', () => undefined);
  file.rest.resume();
  await eventually(() => asked, 'the vendor asked again');
  file.rest.destroy();
  // As undici's body does, the late answer errors when it is torn down.
  const late = new Readable({
    read() {},
    destroy(err, cb) {
      cb(err ?? new Error('aborted'));
    },
  });
  const errors: unknown[] = [];
  process.on('uncaughtException', (e) => errors.push(e));
  deliver({ contentType: 'audio/wav', contentLength: FILE.length, head: FILE.subarray(0, 12), rest: late });
  await eventually(() => late.destroyed && late.listenerCount('error') > 0, 'the late answer torn down');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(errors, []);
});
