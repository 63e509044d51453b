/**
 * A G.711 recording (8 kHz mono A-law or mu-law, as the vendor stores them) as 16-bit linear PCM,
 * for players that cannot decode G.711: a canonical 44-byte header and two bytes per sample.
 * Pure: the decoding is alawmulaw's (ITU-T G.711 tables), the header and sizes are here.
 */
import alawmulaw from 'alawmulaw';
import { WAV_FORMAT_TAGS } from './wav-header.js';

const PCM16_HEADER_BYTES = 44;

/** The output's size for `dataBytes` of G.711 samples. */
export const pcm16Length = (dataBytes: number): number => PCM16_HEADER_BYTES + 2 * dataBytes;

export function pcm16Header(dataBytes: number): Buffer {
  const h = Buffer.alloc(PCM16_HEADER_BYTES);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(pcm16Length(dataBytes) - 8, 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // linear PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(16_000, 28); // byte rate
  h.writeUInt16LE(2, 32); // block align
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(2 * dataBytes, 40);
  return h;
}

/** G.711 bytes as little-endian 16-bit samples. */
export function decodeG711(formatTag: number, bytes: Uint8Array): Buffer {
  const samples = formatTag === WAV_FORMAT_TAGS.alaw ? alawmulaw.alaw.decode(bytes) : alawmulaw.mulaw.decode(bytes);
  const out = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i += 1) out.writeInt16LE(samples[i]!, i * 2);
  return out;
}
