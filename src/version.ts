import { readFileSync } from 'node:fs';

/** The one version number: package.json's, shown by `--version` and in the OpenAPI document. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
