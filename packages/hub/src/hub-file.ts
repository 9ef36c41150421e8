import { isMmtokError, MmtokError } from '@mmtok/core';
import { exists, RepoCache } from './cache-layout.js';
import { downloadBlob, headFile, httpError } from './download.js';
import { type HubOptions, type ResolvedHubOptions, resolveHubOptions } from './hub-options.js';
import { withLock } from './lock.js';
import { ttyProgress } from './progress.js';
import { COMMIT_HASH, checkRepoPath, type HubRef, toHubRef } from './spec.js';

/** A file of a repo in the cache. `path` is absolute, inside snapshots/<commit>/. */
export interface HubFile {
  path: string;
  commit: string;
  repo: string;
}

/** One file of a repo at a revision, from the cache or downloaded into it. Missing → MMTOK_HUB_NOT_FOUND. */
export async function hubFile(spec: string | HubRef, file: string, options?: HubOptions): Promise<HubFile> {
  const found = await hubFileIfExists(spec, file, options);
  if (!found) {
    const { repo, revision } = toHubRef(spec);
    throw new MmtokError('MMTOK_HUB_NOT_FOUND', `hf:${repo}@${revision} has no file ${file}`, { repo, file });
  }
  return found;
}

/** Like hubFile, but a file the repo does not have is `undefined` (remembered in .no_exist/ for offline use). */
export async function hubFileIfExists(
  spec: string | HubRef,
  file: string,
  options?: HubOptions,
): Promise<HubFile | undefined> {
  const { repo, revision } = toHubRef(spec);
  checkRepoPath(file);
  const o = resolveHubOptions(options);
  const cache = new RepoCache(o.cacheDir, repo);
  const what = `hf:${repo}@${revision}/${file}`;

  // A commit never changes: a cached file at a commit needs no request (as huggingface_hub does).
  if (COMMIT_HASH.test(revision) && (await exists(cache.pointer(revision, file)))) {
    return { path: cache.pointer(revision, file), commit: revision, repo };
  }
  if (o.offline) return fromCache(cache, revision, file, what, 'HF_HUB_OFFLINE is set');

  const headers: Record<string, string> = o.token ? { authorization: `Bearer ${o.token}` } : {};
  const url = `${o.endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${file.split('/').map(encodeURIComponent).join('/')}`;
  let meta: Awaited<ReturnType<typeof headFile>>;
  try {
    meta = await headFile(url, headers, what);
  } catch (e) {
    // Only a missing file is an answer ("not there"); a missing repo or revision stays an error.
    const hubCode = isMmtokError(e) ? e.details?.hubCode : undefined;
    if (isMmtokError(e, 'MMTOK_HUB_NOT_FOUND') && (hubCode === 'EntryNotFound' || hubCode === '')) {
      const commit = e.details?.commit;
      if (typeof commit === 'string' && COMMIT_HASH.test(commit)) {
        await cache.markMissing(commit, file);
        await cache.writeRef(revision, commit);
      }
      return undefined;
    }
    // The Hub unreachable: what the cache has for this revision still answers (huggingface_hub does the same).
    if (isMmtokError(e, 'MMTOK_HUB_HTTP') && e.details?.unreachable) {
      return fromCache(cache, revision, file, what, (e as Error).message);
    }
    throw e;
  }

  const pointer = cache.pointer(meta.commit, file);
  if (!(await exists(pointer))) {
    const blob = cache.blob(meta.etag);
    if (!(await exists(blob))) {
      await withLock(cache.lock(meta.etag), async () => {
        if (await exists(blob)) return; // another process finished it while we waited
        await downloadBlob({
          meta,
          blob,
          incomplete: cache.incomplete(meta.etag),
          authOrigin: new URL(o.endpoint).origin,
          token: o.token,
          file: what,
          onProgress: o.onProgress ?? ttyProgress(),
        });
      });
    }
    await cache.linkPointer(meta.commit, file, meta.etag);
  }
  await cache.writeRef(revision, meta.commit);
  return { path: pointer, commit: meta.commit, repo };
}

async function fromCache(
  cache: RepoCache,
  revision: string,
  file: string,
  what: string,
  why: string,
): Promise<HubFile | undefined> {
  const commit = COMMIT_HASH.test(revision) ? revision : await cache.readRef(revision);
  if (commit && (await exists(cache.pointer(commit, file)))) {
    return { path: cache.pointer(commit, file), commit, repo: cache.repo };
  }
  if (commit && (await exists(cache.noExist(commit, file)))) return undefined;
  throw new MmtokError('MMTOK_HUB_OFFLINE', `${what} is not in the cache ${cache.cacheDir} and ${why}`, {
    repo: cache.repo,
    file,
  });
}

/** The files of a repo at a revision: the Hub's listing online, the cached snapshot's files offline. */
export async function hubListFiles(
  spec: string | HubRef,
  options?: HubOptions,
): Promise<{ repo: string; commit: string; files: string[] }> {
  const { repo, revision } = toHubRef(spec);
  const o: ResolvedHubOptions = resolveHubOptions(options);
  const cache = new RepoCache(o.cacheDir, repo);
  const what = `hf:${repo}@${revision}`;
  const cached = async (why: string) => {
    const commit = COMMIT_HASH.test(revision) ? revision : await cache.readRef(revision);
    const files = commit ? await cache.snapshotFiles(commit) : [];
    if (!commit || files.length === 0) {
      throw new MmtokError('MMTOK_HUB_OFFLINE', `${what} has no cached snapshot in ${o.cacheDir} and ${why}`, {
        repo,
      });
    }
    return { repo, commit, files };
  };
  if (o.offline) return cached('HF_HUB_OFFLINE is set');
  const url = `${o.endpoint}/api/models/${repo}/revision/${encodeURIComponent(revision)}`;
  let res: Response;
  try {
    res = await fetch(url, { headers: o.token ? { authorization: `Bearer ${o.token}` } : {} });
  } catch (e) {
    return cached(`${o.endpoint} is unreachable (${(e as Error).message})`);
  }
  if (!res.ok) throw httpError(res, what);
  const body = (await res.json()) as { sha?: string; siblings?: { rfilename: string }[] };
  if (!body.sha || !Array.isArray(body.siblings)) {
    throw new MmtokError('MMTOK_HUB_HTTP', `${what}: the listing has no sha or siblings`);
  }
  return { repo, commit: body.sha, files: body.siblings.map((s) => s.rfilename).sort() };
}
