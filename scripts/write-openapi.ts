/** `npm run openapi`: writes the OpenAPI document the gateway serves to docs/openapi.json (a test keeps them equal). */
import { writeFileSync } from 'node:fs';
import { openApiDocument } from '../src/contract/openapi.js';
import { VERSION } from '../src/version.js';

const file = new URL('../docs/openapi.json', import.meta.url);
writeFileSync(file, `${JSON.stringify(openApiDocument(VERSION), null, 2)}\n`);
process.stdout.write(`wrote ${file.pathname}\n`);
