/**
 * Real, playable telephony audio for seeds and tests: 8 kHz mono G.711 (A-law, tag 6, or mu-law,
 * tag 7) in a RIFF/WAVE file, the format the vendor stores and accepts (cc-protocol 4.4).
 */
import alawmulaw from 'alawmulaw';

export interface WavOptions {
  formatTag?: 6 | 7;
  /** Write an 18-byte `fmt ` chunk (with cbSize) instead of 16. */
  extendedFmt?: boolean;
  /** Put a LIST chunk before `data`, as many editors do. */
  listChunk?: boolean;
}

function wavFromSamples(samples: Int16Array, opts: WavOptions = {}): Buffer {
  const tag = opts.formatTag ?? 6;
  const data = Buffer.from(tag === 6 ? alawmulaw.alaw.encode(samples) : alawmulaw.mulaw.encode(samples));
  return wavFromEncoded(data, opts);
}

/** Wraps already-encoded 8-bit samples in a WAV header. */
export function wavFromEncoded(data: Buffer, opts: WavOptions = {}): Buffer {
  const fmtSize = opts.extendedFmt ? 18 : 16;
  const fmt = Buffer.alloc(8 + fmtSize);
  fmt.write('fmt ', 0, 'latin1');
  fmt.writeUInt32LE(fmtSize, 4);
  fmt.writeUInt16LE(opts.formatTag ?? 6, 8);
  fmt.writeUInt16LE(1, 10);
  fmt.writeUInt32LE(8000, 12);
  fmt.writeUInt32LE(8000, 16);
  fmt.writeUInt16LE(1, 20);
  fmt.writeUInt16LE(8, 22);
  const list = opts.listChunk
    ? Buffer.concat([
        Buffer.from('LIST', 'latin1'),
        Buffer.from([16, 0, 0, 0]),
        Buffer.from('INFOISFT\x04\x00\x00\x00demo', 'latin1'),
      ])
    : Buffer.alloc(0);
  const dataHead = Buffer.alloc(8);
  dataHead.write('data', 0, 'latin1');
  dataHead.writeUInt32LE(data.length, 4);
  const pad = data.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0);
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(4 + fmt.length + list.length + dataHead.length + data.length + pad.length, 4);
  riff.write('WAVE', 8, 'latin1');
  return Buffer.concat([riff, fmt, list, dataHead, data, pad]);
}

/** A sequence of tones (frequency in Hz, duration in ms; 0 Hz is silence). */
function toneSamples(parts: ReadonlyArray<readonly [number, number]>): Int16Array {
  const total = parts.reduce((n, [, ms]) => n + Math.round((ms * 8000) / 1000), 0);
  const out = new Int16Array(total);
  let i = 0;
  for (const [hz, ms] of parts) {
    const n = Math.round((ms * 8000) / 1000);
    for (let k = 0; k < n; k++, i++) {
      const fade = Math.min(1, k / 80, (n - k) / 80);
      out[i] = hz === 0 ? 0 : Math.round(Math.sin((2 * Math.PI * hz * k) / 8000) * 9000 * fade);
    }
  }
  return out;
}

/** A short, recognisable playable recording: a few notes, different per seed. */
export function demoRecording(seed: number, seconds = 2): Buffer {
  const notes = [440, 494, 523, 587, 659, 698, 784];
  const parts: Array<[number, number]> = [];
  for (let ms = 0; ms < seconds * 1000; ms += 250) parts.push([notes[(seed + ms / 250) % notes.length]!, 200], [0, 50]);
  return wavFromSamples(toneSamples(parts));
}
