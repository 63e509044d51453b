/**
 * A bill zip on disk, read with yauzl: its central directory checked before a byte is inflated
 * (entry names, count, declared sizes, ratio), then each entry streamed. yauzl does not check the
 * CRC, so each stream is checked here: a corrupt entry fails at its end, before its rows are kept
 * (ingestion reads the file twice, the first time only to check it: ingest-file.ts).
 */
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { BILL_ENTRY_NAME } from '../protocol/cdr.js';

export interface ZipLimits {
  maxEntries: number;
  maxEntryBytes: number;
  /** Largest uncompressed / compressed ratio of one entry. */
  maxRatio: number;
}

export interface BillEntry {
  name: string;
  kind: 'call' | 'record';
  seq: number;
  size: number;
  open(): Promise<Readable>;
}

/** A zip refused whole: nothing of it is ingested. */
export class ZipRefused extends Error {}

const openZip = (file: string) =>
  new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(
      file,
      { lazyEntries: true, autoClose: false, strictFileNames: true, validateEntrySizes: true },
      (e, z) => (e ? reject(new ZipRefused(`not a readable zip: ${e.message}`)) : resolve(z)),
    ),
  );

/** Refuses the entry streams whose bytes do not match the CRC the directory declares. */
function checkCrc(expected: number, name: string): Transform {
  let crc = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      crc = crc32(chunk, crc);
      cb(null, chunk);
    },
    flush(cb) {
      cb(crc >>> 0 === expected >>> 0 ? null : new ZipRefused(`entry ${name} fails its CRC check`));
    },
  });
}

/**
 * The CSV entries of a bill zip, call files and record files each in sequence order; directories
 * are skipped. Anything else in it, or any entry over the limits, refuses the zip.
 */
export async function readBillZip(
  file: string,
  limits: ZipLimits,
): Promise<{ entries: BillEntry[]; close: () => void }> {
  const zip = await openZip(file);
  try {
    if (zip.entryCount > limits.maxEntries)
      throw new ZipRefused(`${zip.entryCount} entries, more than ${limits.maxEntries}`);
    const raw = await new Promise<yauzl.Entry[]>((resolve, reject) => {
      const out: yauzl.Entry[] = [];
      zip.on('entry', (e: yauzl.Entry) => {
        out.push(e);
        zip.readEntry();
      });
      zip.on('end', () => resolve(out));
      zip.on('error', (e: Error) => reject(new ZipRefused(`not a readable zip: ${e.message}`)));
      zip.readEntry();
    });
    const entries: BillEntry[] = [];
    for (const e of raw) {
      if (e.fileName.endsWith('/')) continue;
      // A bill entry is a bare name: a folder, `..` or a drive in it is not the vendor's.
      const m = BILL_ENTRY_NAME.exec(e.fileName);
      if (!m) throw new ZipRefused(`unexpected entry ${JSON.stringify(e.fileName.slice(0, 80))}`);
      if (e.uncompressedSize > limits.maxEntryBytes)
        throw new ZipRefused(`entry ${e.fileName} is ${e.uncompressedSize} bytes, more than ${limits.maxEntryBytes}`);
      if (e.uncompressedSize > 0 && e.uncompressedSize / Math.max(1, e.compressedSize) > limits.maxRatio)
        throw new ZipRefused(`entry ${e.fileName} inflates more than ${limits.maxRatio} times`);
      entries.push({
        name: e.fileName,
        kind: m[1] as 'call' | 'record',
        seq: m[2] === undefined ? 0 : Number(m[2]),
        size: e.uncompressedSize,
        open: () =>
          new Promise<Readable>((resolve, reject) =>
            zip.openReadStream(e, (err, stream) => {
              if (err) return reject(new ZipRefused(`entry ${e.fileName}: ${err.message}`));
              const checked = checkCrc(e.crc32, e.fileName);
              stream.on('error', (se) => checked.destroy(new ZipRefused(`entry ${e.fileName}: ${se.message}`)));
              resolve(stream.pipe(checked));
            }),
          ),
      });
    }
    // CDR rows first: a call's recordings then join a call that exists.
    entries.sort((a, b) =>
      a.kind === b.kind ? a.seq - b.seq || a.name.localeCompare(b.name) : a.kind === 'call' ? -1 : 1,
    );
    return { entries, close: () => zip.close() };
  } catch (err) {
    zip.close();
    throw err;
  }
}
