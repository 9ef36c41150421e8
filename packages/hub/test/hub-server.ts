/**
 * A local server that answers like the Hugging Face Hub, for tests (127.0.0.1, random ports):
 *   HEAD/GET {endpoint}/{repo}/resolve/{revision}/{path}
 *     small files: 200, ETag "<git blob sha1>", X-Repo-Commit
 *     LFS files:   302 → a second origin (the "CDN"), X-Linked-Etag "<sha256>", X-Linked-Size, X-Repo-Commit
 *     missing file: 404 X-Error-Code EntryNotFound + X-Repo-Commit; unknown repo: 401 RepoNotFound
 *     gated repo: 401 without a token, 403 with a wrong one
 *   GET {endpoint}/api/models/{repo}/revision/{revision} → { id, sha, siblings: [{ rfilename }] }
 *   GET {cdn}/lfs/<sha256> with Range (206)
 * Fault switches change what the CDN or the Hub sends next; `requests` records every request.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HubRepoFixture {
  files: Record<string, string | Uint8Array>;
  /** 40 hex digits; default: derived from the files. */
  commit?: string;
  /** Branches or tags besides `main`, each naming this commit. */
  tags?: string[];
  /** A token the repo demands (401 without, 403 with another). */
  gatedToken?: string;
  /** Old names of this repo: resolve URLs under them answer 307 to this one (a renamed repo). */
  formerNames?: string[];
}

export interface HubRequest {
  origin: 'hub' | 'cdn';
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

export interface HubServer {
  endpoint: string;
  cdn: string;
  requests: HubRequest[];
  /** The sha256 (LFS) or git blob id the server gives a file as its etag. */
  etagOf(repo: string, path: string): string;
  commitOf(repo: string): string;
  isLfs(path: string): boolean;
  /** The next `count` requests to `origin` answer `status` with an error body. */
  failNext(status: number, origin?: 'hub' | 'cdn', count?: number): void;
  /** The CDN serves this blob with one byte changed (the headers still name the right sha256). */
  corrupt(sha256: string | undefined): void;
  /** The CDN announces the full length, sends `bytes` of it and drops the connection. */
  truncate(sha256: string | undefined, bytes?: number): void;
  /** The CDN sends `bytes` (default half) of the blob and waits: release() sends the rest, close() drops it. */
  hold(sha256: string | undefined, bytes?: number): void;
  /** The CDN answers every request with the whole file (200), as if it ignored Range. */
  ignoreRange(on: boolean): void;
  release(): void;
  close(): Promise<void>;
}

/** Git's blob id: sha1("blob <size>\0" + content) — what the Hub sends as ETag for non-LFS files. */
export function gitBlobId(data: Uint8Array): string {
  return createHash('sha1').update(`blob ${data.byteLength}\0`).update(data).digest('hex');
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

const LFS = /\.(onnx|onnx_data|bin|safetensors|npy|wav)$/;

export async function startHubServer(repos: Record<string, HubRepoFixture>): Promise<HubServer> {
  const bytes = (v: string | Uint8Array) => (typeof v === 'string' ? new TextEncoder().encode(v) : v);
  const commits = new Map<string, string>();
  const blobs = new Map<string, Uint8Array>(); // sha256 → bytes (the CDN's store)
  for (const [repo, r] of Object.entries(repos)) {
    const h = createHash('sha1').update(repo);
    for (const [path, v] of Object.entries(r.files).sort(([a], [b]) => a.localeCompare(b))) {
      h.update(path).update(bytes(v));
      blobs.set(sha256(bytes(v)), bytes(v));
    }
    commits.set(repo, r.commit ?? h.digest('hex'));
  }
  const requests: HubRequest[] = [];
  const failures: { status: number; origin?: 'hub' | 'cdn'; count: number }[] = [];
  let corrupted: string | undefined;
  let truncated: { sha: string; bytes?: number } | undefined;
  let held: { sha: string; bytes?: number } | undefined;
  let rangeIgnored = false;
  const renamed = new Map<string, string>();
  for (const [repo, r] of Object.entries(repos)) for (const old of r.formerNames ?? []) renamed.set(old, repo);
  const waiting: { finish: () => void; abort: () => void }[] = [];

  const isLfs = (path: string) => LFS.test(path);
  const etagOf = (repo: string, path: string) => {
    const data = bytes(repos[repo].files[path]);
    return isLfs(path) ? sha256(data) : gitBlobId(data);
  };

  const record = (origin: 'hub' | 'cdn', req: IncomingMessage) => {
    requests.push({ origin, method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const f = failures.find((x) => x.count > 0 && (x.origin === undefined || x.origin === origin));
    if (!f) return undefined;
    f.count--;
    return f.status;
  };

  const cdnServer = createServer((req, res) => {
    const fail = record('cdn', req);
    if (fail) return void res.writeHead(fail).end('injected failure');
    const sha = /^\/lfs\/([0-9a-f]{64})/.exec(req.url ?? '')?.[1];
    const blob = sha ? blobs.get(sha) : undefined;
    if (!sha || !blob) return void res.writeHead(404).end('no such object');
    let body = blob;
    if (corrupted === sha) {
      body = Uint8Array.from(blob);
      body[body.length >> 1] ^= 0xff;
    }
    const range = rangeIgnored ? null : /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const from = range ? Number(range[1]) : 0;
    if (from >= body.length && body.length > 0) {
      return void res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
    }
    const part = body.subarray(from);
    res.writeHead(range ? 206 : 200, {
      'content-length': part.length,
      'accept-ranges': 'bytes',
      ...(range ? { 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` } : {}),
    });
    if (req.method === 'HEAD') return void res.end();
    const cut = truncated?.sha === sha ? truncated : held?.sha === sha ? held : undefined;
    if (!cut) return void res.end(part);
    const sent = part.subarray(0, cut.bytes ?? part.length >> 1);
    // Truncated: Content-Length promised more than what is sent before the connection drops.
    if (cut === truncated) return void res.write(sent, () => res.socket?.destroy());
    res.write(sent);
    waiting.push({ finish: () => res.end(part.subarray(sent.length)), abort: () => res.socket?.destroy() });
  });

  const hubServer = createServer((req, res) => {
    const fail = record('hub', req);
    if (fail) return void res.writeHead(fail).end('injected failure');
    const url = new URL(req.url ?? '/', 'http://x');
    const api = /^\/api\/models\/(.+)\/revision\/([^/]+)$/.exec(url.pathname);
    const resolve = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const repo = decodeURIComponent((api ?? resolve)?.[1] ?? '');
    const newName = renamed.get(repo);
    if (resolve && newName) {
      const location = url.pathname.replace(`/${repo}/`, `/${newName}/`);
      return void res.writeHead(307, { location, 'content-length': 0 }).end();
    }
    const fixture = repos[repo];
    if (!fixture || !(api || resolve)) {
      return void res.writeHead(401, { 'x-error-code': 'RepoNotFound' }).end('Repository not found');
    }
    if (fixture.gatedToken !== undefined) {
      const auth = req.headers.authorization;
      if (!auth) return void res.writeHead(401, { 'x-error-code': 'GatedRepo' }).end('gated');
      if (auth !== `Bearer ${fixture.gatedToken}`)
        return void res.writeHead(403, { 'x-error-code': 'GatedRepo' }).end();
    }
    const commit = commits.get(repo)!;
    const revision = decodeURIComponent((api ?? resolve)![2]);
    if (revision !== commit && revision !== 'main' && !fixture.tags?.includes(revision)) {
      return void res.writeHead(404, { 'x-error-code': 'RevisionNotFound' }).end();
    }
    if (api) {
      const siblings = Object.keys(fixture.files)
        .sort()
        .map((rfilename) => ({ rfilename }));
      return void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id: repo, sha: commit, siblings }));
    }
    const path = decodeURIComponent(resolve![3]);
    const value = fixture.files[path];
    if (value === undefined) {
      return void res
        .writeHead(404, { 'x-error-code': 'EntryNotFound', 'x-repo-commit': commit })
        .end('Entry not found');
    }
    const data = bytes(value);
    if (isLfs(path)) {
      const sha = sha256(data);
      return void res
        .writeHead(302, {
          location: `${cdn}/lfs/${sha}?X-Amz-Signature=test`,
          'content-length': 0,
          'x-repo-commit': commit,
          'x-linked-etag': `"${sha}"`,
          'x-linked-size': data.length,
          etag: `W/"${gitBlobId(new TextEncoder().encode(`oid sha256:${sha}`))}"`,
        })
        .end();
    }
    res.writeHead(200, { 'x-repo-commit': commit, etag: `"${gitBlobId(data)}"`, 'content-length': data.length });
    res.end(req.method === 'HEAD' ? undefined : data);
  });

  const listen = (s: Server) =>
    new Promise<string>((ok) =>
      s.listen(0, '127.0.0.1', () => ok(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)),
    );
  const cdn = await listen(cdnServer);
  const endpoint = await listen(hubServer);
  const shaOf = (sha: string | undefined) => sha ?? '';

  return {
    endpoint,
    cdn,
    requests,
    etagOf,
    commitOf: (repo) => commits.get(repo)!,
    isLfs,
    failNext: (status, origin, count = 1) => void failures.push({ status, origin, count }),
    corrupt: (sha) => void (corrupted = sha),
    truncate: (sha, n) => void (truncated = sha === undefined ? undefined : { sha: shaOf(sha), bytes: n }),
    hold: (sha, n) => void (held = sha === undefined ? undefined : { sha: shaOf(sha), bytes: n }),
    ignoreRange: (on) => void (rangeIgnored = on),
    release: () => {
      held = undefined;
      for (const w of waiting.splice(0)) w.finish();
    },
    close: async () => {
      for (const w of waiting.splice(0)) w.abort();
      for (const s of [hubServer, cdnServer]) {
        s.closeAllConnections();
        await new Promise((ok) => s.close(ok));
      }
    },
  };
}

/** Random bytes from a seed, for fixture "model" files. */
export function seededBytes(seed: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}
