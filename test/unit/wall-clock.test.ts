import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fromWallClock, offsetAt, toIsoInZone, toWallClock } from '../../src/domain/wall-clock.js';

// Whole-hour and half-hour offsets, with and without daylight saving, both hemispheres.
const ZONES = [
  'UTC',
  'Asia/Shanghai',
  'America/New_York',
  'Europe/London',
  'Asia/Kolkata',
  'Australia/Adelaide',
  'America/Sao_Paulo',
];
const instants = fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2040, 0, 1) });

test("a wall-clock time written in a zone reads back as its instant, or the repeated hour's earlier one", () => {
  fc.assert(
    fc.property(instants, fc.constantFrom(...ZONES), (ms, zone) => {
      const second = Math.floor(ms / 1000) * 1000;
      const wall = toWallClock(ms, zone);
      const read = fromWallClock(wall, zone);
      assert.ok(read !== undefined, wall);
      assert.equal(toWallClock(read, zone), wall);
      if (read !== second) {
        // Clocks went back: the same wall-clock time names two instants and the earlier is taken.
        assert.ok(read < second && second - read <= 3_600_000, `${zone} ${wall}`);
        assert.notEqual(offsetAt(read, zone), offsetAt(second, zone));
      }
    }),
    { numRuns: 2000 },
  );
});

test('wall-clock times: the vendor form, a T, spaces around it; anything else is no time', () => {
  const at = Date.UTC(2026, 10, 25, 1, 12, 3);
  assert.equal(fromWallClock('2026-11-25 09:12:03', 'Asia/Shanghai'), at);
  assert.equal(fromWallClock('2026-11-25T09:12:03', 'Asia/Shanghai'), at);
  assert.equal(fromWallClock(' 2026-11-25 09:12:03 ', 'Asia/Shanghai'), at);
  assert.equal(fromWallClock('2026-07-01 12:00:00', 'America/New_York'), Date.UTC(2026, 6, 1, 16));
  assert.equal(fromWallClock('2026-01-01 12:00:00', 'America/New_York'), Date.UTC(2026, 0, 1, 17));
  assert.equal(toIsoInZone(at, 'Asia/Kolkata'), '2026-11-25T06:42:03+05:30');
  for (const bad of [
    '',
    '2026-02-30 10:00:00',
    '2026-02-29 10:00:00',
    '2026-13-01 00:00:00',
    '2026-00-01 00:00:00',
    '2026-01-00 00:00:00',
    '2026-01-01 24:00:00',
    '2026-01-01 23:60:00',
    '2026-01-01 23:59:60',
    '2026-1-01 00:00:00',
    '2026-01-01 00:00:0x',
    '+026-01-01 00:00:00',
    '2026/01/01 00:00:00',
    '2026-01-01_00:00:00',
    '2026-01-01 00-00-00',
    '2026-01-01 00:00:00.5',
  ])
    assert.equal(fromWallClock(bad, 'Asia/Shanghai'), undefined, bad);
  assert.equal(fromWallClock('2028-02-29 10:00:00', 'UTC'), Date.UTC(2028, 1, 29, 10));
});

test('a repeated hour reads as its earlier instant from its first second, on whole- and half-hour offsets', () => {
  // Adelaide went from +10:30 back to +09:30 at 03:00 on 2007-03-25: 02:00 to 02:59:59 came twice.
  assert.equal(fromWallClock('2007-03-25 02:00:00', 'Australia/Adelaide'), Date.UTC(2007, 2, 24, 15, 30));
  assert.equal(fromWallClock('2007-03-25 02:59:59', 'Australia/Adelaide'), Date.UTC(2007, 2, 24, 16, 29, 59));
  assert.equal(fromWallClock('2007-03-25 03:00:00', 'Australia/Adelaide'), Date.UTC(2007, 2, 24, 17, 30));
  // New York went from -04:00 back to -05:00 at 02:00 on 2026-11-01: 01:00 to 01:59:59 came twice.
  assert.equal(fromWallClock('2026-11-01 01:00:00', 'America/New_York'), Date.UTC(2026, 10, 1, 5));
  assert.equal(fromWallClock('2026-11-01 02:00:00', 'America/New_York'), Date.UTC(2026, 10, 1, 7));
  // And forward at 02:00 on 2026-03-08: 03:00 is the first second of -04:00.
  assert.equal(fromWallClock('2026-03-08 01:59:59', 'America/New_York'), Date.UTC(2026, 2, 8, 6, 59, 59));
  assert.equal(fromWallClock('2026-03-08 03:00:00', 'America/New_York'), Date.UTC(2026, 2, 8, 7));
});
