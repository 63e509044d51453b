/**
 * The upload format check (contract 3.6, cc-protocol 4.4), run on the first bytes of a body
 * while it is still arriving: RIFF/WAVE, a 16- or 18-byte `fmt ` chunk describing 8 bit 8000 Hz
 * mono A-law or mu-law, unknown chunks skipped, up to the `data` chunk header. Pure: bytes in,
 * verdict out.
 */

/** A header that has not reached its `data` chunk within this many bytes is refused. */
export const WAV_HEADER_MAX_BYTES = 64 * 1024;

export const WAV_FORMAT_TAGS = { alaw: 6, mulaw: 7 } as const;

export type WavVerdict =
  /** Not enough bytes yet to decide. */
  | { kind: 'need-more' }
  /** Not a RIFF/WAVE file at all (contract: 415). */
  | { kind: 'not-wav' }
  /** A WAV whose header was read to the data chunk; `problems` empty when the format is right. */
  | { kind: 'header'; dataOffset: number; dataSize: number; riffSize: number; problems: string[]; formatTag?: number };

const want = (field: string, got: number, expected: string) => `${field} ${got} (want ${expected})`;

function fmtProblems(b: Buffer, at: number, size: number): string[] {
  const problems: string[] = [];
  if (size !== 16 && size !== 18) problems.push(want('fmt chunk size', size, '16 or 18'));
  if (size < 16) return problems;
  const tag = b.readUInt16LE(at);
  const channels = b.readUInt16LE(at + 2);
  const sampleRate = b.readUInt32LE(at + 4);
  const byteRate = b.readUInt32LE(at + 8);
  const blockAlign = b.readUInt16LE(at + 12);
  const bits = b.readUInt16LE(at + 14);
  if (tag !== WAV_FORMAT_TAGS.alaw && tag !== WAV_FORMAT_TAGS.mulaw)
    problems.push(want('format tag', tag, '6 A-law or 7 mu-law'));
  if (channels !== 1) problems.push(want('channels', channels, '1'));
  if (sampleRate !== 8000) problems.push(want('sample rate', sampleRate, '8000'));
  if (byteRate !== 8000) problems.push(want('byte rate', byteRate, '8000'));
  if (blockAlign !== 1) problems.push(want('block align', blockAlign, '1'));
  if (bits !== 8) problems.push(want('bits per sample', bits, '8'));
  return problems;
}

/** Reads as far as the bytes allow; `ended` says no more bytes will come. */
export function inspectWavHeader(b: Buffer, ended: boolean): WavVerdict {
  const needMore = (why: string): WavVerdict =>
    ended ? { kind: 'header', dataOffset: b.length, dataSize: 0, riffSize: 0, problems: [why] } : { kind: 'need-more' };
  const magicSoFar = (text: string, at: number) =>
    b.toString('latin1', at, Math.min(b.length, at + 4)) === text.slice(0, Math.max(0, Math.min(4, b.length - at)));
  if (!magicSoFar('RIFF', 0) || !magicSoFar('WAVE', 8)) return { kind: 'not-wav' };
  if (b.length < 12) return ended ? { kind: 'not-wav' } : { kind: 'need-more' };
  const riffSize = b.readUInt32LE(4);
  let problems: string[] | undefined;
  let formatTag: number | undefined;
  let at = 12;
  for (;;) {
    if (at > WAV_HEADER_MAX_BYTES) {
      return {
        kind: 'header',
        dataOffset: at,
        dataSize: 0,
        riffSize,
        problems: [...(problems ?? []), `no data chunk within the first ${WAV_HEADER_MAX_BYTES} bytes`],
      };
    }
    if (at + 8 > b.length) return needMore('the file ends before its data chunk');
    const id = b.toString('latin1', at, at + 4);
    const size = b.readUInt32LE(at + 4);
    if (id === 'data') {
      return {
        kind: 'header',
        dataOffset: at + 8,
        dataSize: size,
        riffSize,
        problems: problems ?? ['no fmt chunk before the data chunk'],
        ...(formatTag === undefined ? {} : { formatTag }),
      };
    }
    if (id === 'fmt ') {
      if (problems)
        return { kind: 'header', dataOffset: at, dataSize: 0, riffSize, problems: ['more than one fmt chunk'] };
      if (at + 8 + Math.min(size, 16) > b.length) return needMore('the file ends inside its fmt chunk');
      problems = fmtProblems(b, at + 8, size);
      if (size >= 2) formatTag = b.readUInt16LE(at + 8);
    }
    at += 8 + size + (size % 2);
  }
}

/**
 * Once the body's length is known: the data chunk must account for every byte after its header
 * (with the one pad byte RIFF allows after odd data), and the RIFF size for the whole file.
 */
export function lengthProblems(h: { dataOffset: number; dataSize: number; riffSize: number }, total: number): string[] {
  const problems: string[] = [];
  const after = total - h.dataOffset;
  if (h.dataSize !== after && !(h.dataSize % 2 === 1 && h.dataSize + 1 === after)) {
    problems.push(`data chunk size ${h.dataSize} (the body holds ${Math.max(0, after)} bytes after the data header)`);
  }
  if (h.riffSize !== total - 8) problems.push(want('RIFF size', h.riffSize, String(total - 8)));
  return problems;
}
