import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MmtokError } from '@mmtok/core';
import type { HubProgress } from './hub-options.js';

/** What a HEAD on a resolve URL says about one file. */
export interface FileMetadata {
  commit: string;
  /** Normalised: no `W/`, no quotes. The sha256 of the content for LFS files, the git blob id otherwise. */
  etag: string;
  size?: number;
  /** Where the bytes are: the resolve URL itself, or the storage URL an LFS file redirects to. */
  location: string;
}

const SHA256 = /^[0-9a-f]{64}$/;
const MAX_RELATIVE_REDIRECTS = 5;

/** `W/"abc"` → `abc`, as huggingface_hub names blobs. */
export function normalizeEtag(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"|"$/g, '');
}

/** HTTP failure → MmtokError; 404 carries the commit (when the Hub sent one) for the .no_exist marker. */
export function httpError(res: Response, what: string): MmtokError {
  const hubCode = res.headers.get('x-error-code') ?? '';
  const details = { status: res.status, hubCode, commit: res.headers.get('x-repo-commit') ?? undefined };
  if (hubCode === 'RepoNotFound' || hubCode === 'RevisionNotFound' || (res.status === 404 && hubCode !== 'GatedRepo')) {
    return new MmtokError('MMTOK_HUB_NOT_FOUND', `${what}: not found (${res.status} ${hubCode})`.trim(), details);
  }
  if (res.status === 401 || res.status === 403) {
    return new MmtokError(
      'MMTOK_HUB_UNAUTHORIZED',
      `${what}: ${res.status} — the repo is gated or private; set HF_TOKEN to a token with access`,
      details,
    );
  }
  return new MmtokError('MMTOK_HUB_HTTP', `${what}: HTTP ${res.status}`, details);
}

/**
 * HEAD the resolve URL without following redirects to other hosts (huggingface_hub's way): the Hub's own answer,
 * even a 302 to storage, carries X-Repo-Commit and X-Linked-Etag; same-host redirects (a renamed repo) are followed.
 */
export async function headFile(url: string, headers: Record<string, string>, what: string): Promise<FileMetadata> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const res = await request(
      current,
      { method: 'HEAD', headers: { ...headers, 'accept-encoding': 'identity' } },
      what,
    );
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      const next = new URL(location, current);
      if (next.origin === new URL(current).origin && hop < MAX_RELATIVE_REDIRECTS) {
        current = next.href;
        continue;
      }
    } else if (!res.ok) {
      throw httpError(res, what);
    }
    const commit = res.headers.get('x-repo-commit');
    const etag = res.headers.get('x-linked-etag') ?? res.headers.get('etag');
    if (!commit || !etag) {
      throw new MmtokError('MMTOK_HUB_HTTP', `${what}: the server sent no X-Repo-Commit or ETag (is it a Hub?)`);
    }
    const size = Number(res.headers.get('x-linked-size') ?? res.headers.get('content-length') ?? Number.NaN);
    return {
      commit,
      etag: normalizeEtag(etag),
      size: Number.isFinite(size) ? size : undefined,
      location: location ? new URL(location, current).href : current,
    };
  }
}

export interface DownloadTarget {
  meta: FileMetadata;
  incomplete: string;
  blob: string;
  /** Sent only while the URL's origin is this one (the Hub endpoint). */
  authOrigin: string;
  token?: string;
  file: string;
  onProgress?: (p: HubProgress) => void;
}

/**
 * Bytes → `.incomplete` (resumed with Range if one is there) → size and sha256 checked → renamed to the blob.
 * Only a 2xx body is ever written; a failed transfer leaves the `.incomplete` for the next call to resume, a
 * checksum mismatch leaves nothing.
 */
export async function downloadBlob(t: DownloadTarget): Promise<void> {
  await mkdir(dirname(t.blob), { recursive: true });
  let have = await stat(t.incomplete).then(
    (s) => s.size,
    () => 0,
  );
  if (t.meta.size !== undefined && have > t.meta.size) have = 0; // not a prefix of this file
  let res = await get(t, have);
  if (res.status === 416 && have > 0) {
    have = 0;
    res = await get(t, 0);
  }
  if (!res.ok || !res.body) throw httpError(res, t.file);
  if (res.status === 206 && contentRangeStart(res) !== have) {
    throw new MmtokError(
      'MMTOK_HUB_HTTP',
      `${t.file}: asked for bytes from ${have}, got ${res.headers.get('content-range')}`,
    );
  }
  const resumed = res.status === 206 && have > 0;
  if (!resumed) have = 0; // the server sent the whole file
  const length = Number(res.headers.get('content-length') ?? Number.NaN);
  const total = t.meta.size ?? (Number.isFinite(length) ? have + length : undefined);
  const out = await open(t.incomplete, resumed ? 'a' : 'w');
  let bytes = have;
  try {
    const reader = res.body.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      await out.write(r.value);
      bytes += r.value.byteLength;
      t.onProgress?.({ file: t.file, bytes, total });
    }
  } catch (e) {
    throw new MmtokError('MMTOK_HUB_HTTP', `${t.file}: the download broke off at ${bytes} bytes (resumable)`, {
      cause: String(e),
    });
  } finally {
    await out.close();
  }
  if (total !== undefined && bytes !== total) {
    throw new MmtokError('MMTOK_HUB_HTTP', `${t.file}: got ${bytes} of ${total} bytes (resumable)`);
  }
  if (SHA256.test(t.meta.etag)) {
    const actual = await sha256File(t.incomplete);
    if (actual !== t.meta.etag) {
      await rm(t.incomplete, { force: true });
      throw new MmtokError('MMTOK_HUB_CHECKSUM', `${t.file}: sha256 ${actual} is not the Hub's ${t.meta.etag}`);
    }
  }
  await rename(t.incomplete, t.blob);
}

function get(t: DownloadTarget, from: number): Promise<Response> {
  return fetchFollowing(
    t.meta.location,
    (url) => ({
      ...(t.token && url.origin === t.authOrigin ? { authorization: `Bearer ${t.token}` } : {}),
      ...(from > 0 ? { range: `bytes=${from}-` } : {}),
      'accept-encoding': 'identity',
    }),
    t.file,
  );
}

/** GET following redirects by hand, so each hop's headers (the token) are chosen for that hop's origin. */
async function fetchFollowing(url: string, headersFor: (url: URL) => Record<string, string>, what: string) {
  let current = new URL(url);
  for (let hop = 0; hop < 10; hop++) {
    const res = await request(current.href, { headers: headersFor(current) }, what);
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) return res;
    await res.body?.cancel();
    current = new URL(location, current);
  }
  throw new MmtokError('MMTOK_HUB_HTTP', `${what}: too many redirects`);
}

async function request(url: string, init: RequestInit, what: string): Promise<Response> {
  try {
    return await fetch(url, { ...init, redirect: 'manual' });
  } catch (e) {
    throw new MmtokError('MMTOK_HUB_HTTP', `${what}: cannot reach ${new URL(url).origin} (${(e as Error).message})`, {
      unreachable: true,
    });
  }
}

function contentRangeStart(res: Response): number | undefined {
  const m = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '');
  return m ? Number(m[1]) : undefined;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
