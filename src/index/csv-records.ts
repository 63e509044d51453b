/**
 * The records of one CSV entry, streamed: bytes decoded (UTF-8, or GB18030 for an entry that is
 * not valid UTF-8: cdr-index 5.4), parsed by csv-parse (BOM, CRLF, quoted fields, ragged rows),
 * and a header row recognised by its first field, `developer`.
 */
import { type Readable, Transform } from 'node:stream';
import { parse } from 'csv-parse';

export type Encoding = 'utf-8' | 'gb18030';

/** The vendor's column names, as a header row spells them. */
const snake = (camel: string) => camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function decoder(encoding: Encoding): Transform {
  // The encoding was decided by reading the entry once already (ingest-file.ts): nothing here throws.
  const d = new TextDecoder(encoding, { ignoreBOM: false });
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      cb(null, d.decode(chunk, { stream: true }));
    },
    flush(cb) {
      cb(null, d.decode());
    },
  });
}

/**
 * Each record as positional fields in the vendor's order: with a header row, its columns are
 * mapped by name onto the positions of `columns` (unknown ones dropped).
 */
export async function* csvRecords(
  bytes: Readable,
  encoding: Encoding,
  columns: Readonly<Record<string, number>>,
): AsyncGenerator<string[]> {
  const text = decoder(encoding);
  const parser = parse({
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    trim: true,
    max_record_size: 64 * 1024,
  });
  bytes.on('error', (e) => text.destroy(e));
  text.on('error', (e) => parser.destroy(e));
  bytes.pipe(text).pipe(parser);
  let map: number[] | undefined;
  let first = true;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (first) {
        first = false;
        if (record[0]?.toLowerCase() === 'developer') {
          const byName = new Map(record.map((name, i) => [name.toLowerCase(), i]));
          map = Object.entries(columns).map(([name]) => byName.get(snake(name)) ?? -1);
          continue;
        }
      }
      yield map ? map.map((i) => (i < 0 ? '' : (record[i] ?? ''))) : record;
    }
  } finally {
    bytes.destroy();
  }
}
