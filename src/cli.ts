/**
 * Command-line arguments for the gateway and its tools: `--help` and `--version` print and exit 0,
 * a mistake prints what was wrong and the usage and exits 2. No stack trace for any of them.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { VERSION } from './version.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export type CliValues = Record<string, string | boolean | undefined>;

export function parseCli(argv: string[], spec: { name: string; usage: string; options: Options }): CliValues {
  const options: Options = {
    ...spec.options,
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean' },
  };
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (err) {
    process.stderr.write(`${spec.name}: ${(err as Error).message}\n\n${spec.usage}`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(spec.usage);
    process.exit(0);
  }
  if (values.version) {
    process.stdout.write(`${spec.name} ${VERSION}\n`);
    process.exit(0);
  }
  return values as CliValues;
}
