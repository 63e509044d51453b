/**
 * The demo's player page: lists the demo recordings, asks the gateway for a playback URL with the
 * demo token (contract 3.3), and plays it in an <audio> element that can seek (3.4 answers ranges).
 * Served from an origin of its own, as a customer's web app would be: the demo gateway allows it
 * by CORS. Demo only: a real page gets its token from its own back end, never baked in.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PlayerPage {
  url: string;
  origin: string;
  /** Called once the gateway is up: the page then knows where to call and with what. */
  configure(gatewayUrl: string, token: string): void;
  close(): Promise<void>;
}

const html = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

function playerHtml(
  gatewayUrl: string,
  token: string,
  recordings: ReadonlyArray<{ label: string; fileName: string }>,
): string {
  const items = recordings
    .map(
      (r, i) =>
        `<li><button data-file="${html(r.fileName)}" id="play-${i}">▶ ${html(r.label)}</button> <code>${html(r.fileName)}</code></li>`,
    )
    .join('\n      ');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>cc-file-gateway demo player</title>
    <link rel="icon" href="data:,">
    <style>
      body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 46rem; color: #1d2430; }
      h1 { font-size: 1.3rem; } code { font-size: .85rem; color: #556; }
      ul { list-style: none; padding: 0; } li { margin: .4rem 0; }
      button { font: inherit; padding: .2rem .7rem; cursor: pointer; }
      audio { width: 100%; margin: 1rem 0; } #status { color: #556; min-height: 1.5em; }
    </style>
  </head>
  <body>
    <h1>Demo recordings</h1>
    <p>Each button asks the gateway for a playback URL (<code>POST /v1/recordings/playback</code>) and plays it.</p>
    <ul id="recordings">
      ${items}
    </ul>
    <audio id="player" controls preload="auto"></audio>
    <p id="status">Pick a recording.</p>
    <script>
      const GW = ${JSON.stringify(gatewayUrl)};
      const TOKEN = ${JSON.stringify(token)};
      const audio = document.getElementById('player');
      const status = document.getElementById('status');
      async function play(fileName) {
        status.textContent = 'Asking for a playback URL...';
        const res = await fetch(GW + '/v1/recordings/playback', {
          method: 'POST',
          headers: { Authorization: 'Bearer ' + TOKEN, 'Content-Type': 'application/json' },
          body: JSON.stringify({ fileName }),
        });
        if (!res.ok) { status.textContent = 'Refused: ' + res.status; return; }
        const { url, expiresAt } = await res.json();
        audio.src = GW + url;
        await audio.play();
        status.textContent = 'Playing ' + fileName + ' (URL valid until ' + expiresAt + ')';
      }
      const fail = (e) => { status.textContent = String(e); };
      for (const b of document.querySelectorAll('button[data-file]')) {
        b.addEventListener('click', () => play(b.dataset.file).catch(fail));
      }
    </script>
  </body>
</html>
`;
}

export async function startPlayerPage(
  recordings: ReadonlyArray<{ label: string; fileName: string }>,
  port = 0,
): Promise<PlayerPage> {
  let html = '<!doctype html><title>starting</title><p>The gateway is starting.</p>';
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url !== '/' && req.url !== '/index.html')) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/`,
    origin,
    configure(gatewayUrl, token) {
      html = playerHtml(gatewayUrl, token, recordings);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
