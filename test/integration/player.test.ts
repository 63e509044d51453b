/**
 * The demo's player page in a real headless Chromium (Debian's, driven by playwright-core): the
 * page fetches a playback URL with the demo token (CORS from another origin), the <audio> element
 * plays the 8 kHz A-law WAV as the vendor stores it, and a seek to 2 s plays on from 2 s (the
 * browser asks for byte ranges). A screenshot of the page is written to test-output/player.png.
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Browser, chromium } from 'playwright-core';
import { type Demo, startDemo } from '../../demo/start.js';
import { captureLogger } from '../helpers/logs.js';

/** What the page's functions touch of the DOM (they run in the browser; the tests compile without DOM types). */
interface AudioElement {
  readyState: number;
  currentTime: number;
  duration: number;
  paused: boolean;
  seeking: boolean;
  src: string;
  error: { code: number } | null;
}
declare const document: { querySelector(selector: 'audio'): AudioElement | null };

const executablePath =
  process.env.CHROMIUM_PATH ??
  execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
const OUT = new URL('../../test-output/', import.meta.url);

let demo: Demo;
let browser: Browser;
let lines: string[];
before(async () => {
  const captured = captureLogger('info');
  lines = captured.lines;
  demo = await startDemo({
    port: 0,
    logger: captured.logger,
    outDir: mkdtempSync(join(tmpdir(), 'player-')),
    audit: 'off',
  });
  browser = await chromium.launch({
    executablePath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
});
after(async () => {
  await browser?.close();
  await demo?.close();
});

test('the player page plays a demo recording in Chromium, and a seek to 2 s plays from 2 s', async () => {
  const page = await browser.newPage();
  const failures: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') failures.push(m.text());
  });
  await page.goto(demo.playerUrl);
  await page.click('#play-0');
  // Playing: enough data to play on (HAVE_FUTURE_DATA) and the clock moving.
  await page.waitForFunction(() => {
    const a = document.querySelector('audio')!;
    return a.readyState >= 3 && a.currentTime > 0.2 && !a.paused;
  });
  const before = await page.evaluate(() => {
    const a = document.querySelector('audio')!;
    return { duration: a.duration, src: a.src, error: a.error?.code ?? null };
  });
  assert.equal(before.error, null);
  assert.ok(Math.abs(before.duration - 3) < 0.05, `the 3 s recording: ${before.duration}`);
  assert.match(before.src, /\/v1\/recordings\/playback\//);

  await page.evaluate(() => {
    const a = document.querySelector('audio')!;
    a.currentTime = 2;
  });
  await page.waitForFunction(() => {
    const a = document.querySelector('audio')!;
    return !a.seeking && a.currentTime > 2.1;
  });
  const after = await page.evaluate(() => document.querySelector('audio')!.currentTime);
  assert.ok(after >= 2 && after <= 3, `played on from 2 s: ${after}`);
  assert.match((await page.textContent('#status')) ?? '', /Playing Y:\/53\/0\/20261125\/1001\/4411223\.V3/);

  mkdirSync(OUT, { recursive: true });
  const shot = new URL('player.png', OUT);
  await page.screenshot({ path: shot.pathname, fullPage: true });
  assert.ok(statSync(shot).size > 1000, 'a screenshot was written');
  assert.deepEqual(failures, [], 'no console error on the page');
  assert.ok(
    lines.some((l) => l.includes('"status":206')),
    'the browser asked for byte ranges',
  );
});
