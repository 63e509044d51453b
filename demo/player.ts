/**
 * The demo's player page: lists the recordings of the last three days from a search of the index
 * (contract 6.2), asks the gateway for a playback URL with the demo token (3.3), and plays it in an
 * <audio> element that can seek (3.4 answers ranges).
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

function playerHtml(gatewayUrl: string, token: string): string {
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
    <p>The recordings of the last three days, found with <code>GET /v1/calls</code>. Each button asks the
      gateway for a playback URL (<code>POST /v1/recordings/playback</code>) and plays it.</p>
    <ul id="recordings"></ul>
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
      async function list() {
        const q = new URLSearchParams({
          from: new Date(Date.now() - 3 * 86400000).toISOString(),
          to: new Date(Date.now() + 3600000).toISOString(),
          hasRecording: 'true',
          limit: '20',
        });
        const res = await fetch(GW + '/v1/calls?' + q, { headers: { Authorization: 'Bearer ' + TOKEN } });
        if (!res.ok) { status.textContent = 'Search refused: ' + res.status; return; }
        const ul = document.getElementById('recordings');
        let i = 0;
        for (const call of (await res.json()).items) {
          for (const r of call.recordings) {
            const li = document.createElement('li');
            const b = document.createElement('button');
            b.id = 'play-' + i++;
            b.textContent = '▶ ' + call.begin.slice(0, 16).replace('T', ' ') + ', agent ' + call.agentId + ', ' + call.durationSec + ' s';
            b.addEventListener('click', () => play(r.fileName).catch(fail));
            const code = document.createElement('code');
            code.textContent = ' ' + r.fileName;
            li.append(b, code);
            ul.append(li);
          }
        }
      }
      list().catch(fail);
    </script>
  </body>
</html>
`;
}

export async function startPlayerPage(port = 0): Promise<PlayerPage> {
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
      html = playerHtml(gatewayUrl, token);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
