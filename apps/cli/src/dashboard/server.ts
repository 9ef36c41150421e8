/**
 * The read-only HTTP server behind `mmtok dashboard`: the built app's own files, the report list,
 * the given reports and the media files they list — nothing else. Every other path is 404, a path
 * that tries to climb out ('..', encoded or not) is 403, any method but GET/HEAD is 405, and a
 * request naming another host (DNS rebinding) is 403. Media files are those media.ts checked at
 * start, opened only while they are still the same files.
 */
import { type FileHandle, readdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { MmtokError } from '@mmtok/core';
import type { Catalog } from './catalog.js';
import { openMediaFile, openRegularFile, TYPE_OF_EXTENSION } from './media.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
  ...TYPE_OF_EXTENSION,
};

// The page may talk to this server only: nothing it opens can be sent anywhere else. WebAssembly
// may compile ('wasm-unsafe-eval', not 'unsafe-eval'): ONNX tokenizers run on onnxruntime-web's wasm build.
const CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' data: blob:; img-src 'self' blob: data:; media-src 'self' blob: data:; style-src 'self' 'unsafe-inline'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'";

/** Every file under `dir`, as URL paths ('assets/x.js'); fixed at start so later files are not served. */
async function listFiles(dir: string, prefix = ''): Promise<Set<string>> {
  const out = new Set<string>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) for (const f of await listFiles(join(dir, entry.name), rel)) out.add(f);
    else if (entry.isFile()) out.add(rel);
  }
  return out;
}

type Decoded = { ok: true; path: string } | { ok: false; status: 400 | 403 };

/**
 * The request path as '/'-joined decoded segments, or a refusal. Works on the raw request target:
 * WHATWG URL parsing would silently resolve '..' and hide the attempt.
 */
export function decodeRequestPath(target: string): Decoded {
  const raw = target.split(/[?#]/, 1)[0];
  if (!raw.startsWith('/')) return { ok: false, status: 400 };
  const segments: string[] = [];
  for (const part of raw.slice(1).split('/')) {
    let s: string;
    try {
      s = decodeURIComponent(part);
    } catch {
      return { ok: false, status: 400 };
    }
    if (s === '..' || s === '.' || s.includes('/') || s.includes('\\') || s.includes('\0')) {
      return { ok: false, status: 403 };
    }
    segments.push(s);
  }
  return { ok: true, path: segments.filter(Boolean).join('/') };
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** Sends an opened file (one byte range when asked, for seeking in <audio>/<video>) and closes it. */
async function sendOpened(
  req: IncomingMessage,
  res: ServerResponse,
  opened: { fh: FileHandle; size: number } | undefined,
  type: string,
  cache: string,
  notFound: string,
): Promise<void> {
  if (!opened) {
    send(res, 404, `not found: ${notFound}\n`);
    return;
  }
  const { fh, size } = opened;
  const headers: Record<string, string | number> = {
    'Content-Type': type,
    'Accept-Ranges': 'bytes',
    'Cache-Control': cache,
  };
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  let start = 0;
  let end = size - 1;
  let status = 200;
  if (range && (range[1] || range[2])) {
    start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
    end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    if (start > end || start >= size) {
      await fh.close();
      res.writeHead(416, { 'Content-Range': `bytes */${size}` });
      res.end();
      return;
    }
    status = 206;
    headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  }
  headers['Content-Length'] = size === 0 ? 0 : end - start + 1;
  res.writeHead(status, headers);
  if (req.method === 'HEAD' || size === 0) {
    await fh.close();
    res.end();
    return;
  }
  // pipeline, not pipe: a client that goes away mid-file also ends the read and closes the file.
  pipeline(fh.createReadStream({ start, end }), res).catch(() => {});
}

export interface DashboardServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the server; `port` 0 picks a free one. With `token`, everything is served under
 * `/<token>/` only (the app uses relative URLs): other users of this machine can reach the port,
 * but not guess the path.
 */
export async function serveDashboard(options: {
  appDir: string;
  catalog: Catalog;
  host: string;
  port: number;
  token?: string;
}): Promise<DashboardServer> {
  const { appDir, catalog, host, token } = options;
  const appFiles = await listFiles(appDir);
  const indexJson = JSON.stringify(catalog.index, null, 2);
  let allowedHosts = new Set<string>();

  const server = createServer((req, res) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, 405, 'read-only: only GET and HEAD are served\n');
      return;
    }
    if (!allowedHosts.has(req.headers.host ?? '')) {
      send(res, 403, 'forbidden: unexpected Host header\n');
      return;
    }
    const decoded = decodeRequestPath(req.url ?? '/');
    if (!decoded.ok) {
      send(res, decoded.status, decoded.status === 403 ? 'forbidden: path outside the dashboard\n' : 'bad request\n');
      return;
    }
    let rest = decoded.path;
    if (token !== undefined) {
      if (rest === token && !(req.url ?? '').split(/[?#]/, 1)[0].endsWith('/')) {
        // The page's relative URLs need the trailing slash.
        res.writeHead(301, { Location: `/${token}/` });
        res.end();
        return;
      }
      if (rest !== token && !rest.startsWith(`${token}/`)) {
        send(res, 404, 'not found: this server only serves the dashboard and the reports it was given\n');
        return;
      }
      rest = rest.slice(token.length + 1);
    }
    const path = rest === '' ? 'index.html' : rest;
    if (path === 'api/reports.json') {
      res.setHeader('Cache-Control', 'no-store');
      send(res, 200, indexJson, TYPES['.json']);
      return;
    }
    const report = catalog.reports.get(path);
    if (report !== undefined) {
      res.setHeader('Cache-Control', 'no-store');
      send(res, 200, report, TYPES['.json']);
      return;
    }
    const media = catalog.media.get(path);
    if (media !== undefined) {
      if (!('type' in media)) send(res, 404, `not found: ${media.named} is ${media.reason}\n`);
      else
        void openMediaFile(media).then((f) =>
          sendOpened(req, res, f, media.type, 'no-store', `${media.named} changed since the dashboard started`),
        );
      return;
    }
    if (appFiles.has(path)) {
      const file = join(appDir, ...path.split('/'));
      // Belt and braces: the listed file must still resolve inside the app folder.
      if (relative(appDir, file).split(sep).includes('..')) {
        send(res, 403, 'forbidden\n');
        return;
      }
      const cache = path.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
      const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
      // Not through a symlink: the app folder was listed at start without following any.
      void openRegularFile(file).then((f) => sendOpened(req, res, f, type, cache, path));
      return;
    }
    send(res, 404, 'not found: this server only serves the dashboard and the reports it was given\n');
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      fail(
        new MmtokError(
          'MMTOK_IO',
          e.code === 'EADDRINUSE'
            ? `port ${options.port} on ${host} is in use; pick another with --port, or leave it out for a free one`
            : `cannot listen on ${host}:${options.port}: ${e.message}`,
        ),
      ),
    );
    server.listen(options.port, host, () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  allowedHosts = new Set([`${hostPart}:${port}`, `localhost:${port}`]);
  return {
    url: `http://${hostPart}:${port}/${token === undefined ? '' : `${token}/`}`,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
