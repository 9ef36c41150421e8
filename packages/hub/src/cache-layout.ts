import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * huggingface_hub's cache layout, so Python and mmtok share one download:
 *   <cache>/models--org--name/blobs/<etag>                      file bytes, named by etag (sha256 for LFS files)
 *   <cache>/models--org--name/snapshots/<commit>/<path>         relative symlink → ../../blobs/<etag>
 *   <cache>/models--org--name/refs/<revision>                   the commit the revision pointed at
 *   <cache>/models--org--name/.no_exist/<commit>/<path>         empty: the file is absent at that commit
 *   <cache>/.locks/models--org--name/<etag>.lock                held while a blob downloads
 */
export function repoFolderName(repo: string): string {
  return `models--${repo.split('/').join('--')}`;
}

export class RepoCache {
  readonly root: string;
  constructor(
    readonly cacheDir: string,
    readonly repo: string,
  ) {
    this.root = join(cacheDir, repoFolderName(repo));
  }
  blob(etag: string): string {
    return join(this.root, 'blobs', etag);
  }
  incomplete(etag: string): string {
    return `${this.blob(etag)}.incomplete`;
  }
  snapshot(commit: string): string {
    return join(this.root, 'snapshots', commit);
  }
  pointer(commit: string, path: string): string {
    return join(this.snapshot(commit), path);
  }
  ref(revision: string): string {
    return join(this.root, 'refs', revision);
  }
  noExist(commit: string, path: string): string {
    return join(this.root, '.no_exist', commit, path);
  }
  lock(etag: string): string {
    return join(this.cacheDir, '.locks', repoFolderName(this.repo), `${etag}.lock`);
  }

  async readRef(revision: string): Promise<string | undefined> {
    const text = await readFile(this.ref(revision), 'utf8').catch(() => undefined);
    return text?.trim() || undefined;
  }

  /** Written last, once the snapshot entry exists: a ref never points at a commit with nothing behind it. */
  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit || (await this.readRef(revision)) === commit) return;
    await atomicWrite(this.ref(revision), commit);
  }

  async markMissing(commit: string, path: string): Promise<void> {
    await atomicWrite(this.noExist(commit, path), '');
  }

  /** snapshots/<commit>/<path> → the blob, as a relative link (the cache folder can move). */
  async linkPointer(commit: string, path: string, etag: string): Promise<string> {
    const pointer = this.pointer(commit, path);
    await mkdir(dirname(pointer), { recursive: true });
    const temp = tempName(pointer);
    await symlink(relative(dirname(pointer), this.blob(etag)), temp);
    await rename(temp, pointer); // replaces a stale link atomically
    return pointer;
  }

  /** Files present in a snapshot, `/`-separated, sorted. */
  async snapshotFiles(commit: string): Promise<string[]> {
    const root = this.snapshot(commit);
    const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
    return entries
      .filter((e) => !e.isDirectory())
      .map((e) => relative(root, join(e.parentPath, e.name)).split('\\').join('/'))
      .sort();
  }
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export function tempName(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/** Temp file + rename: a reader sees the old content or the new, never half of it. */
export async function atomicWrite(path: string, data: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = tempName(path);
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } finally {
    await rm(temp, { force: true });
  }
}

export interface CachedRevision {
  commit: string;
  refs: string[];
  files: number;
  /** Bytes of the distinct blobs this revision's files point at. */
  size: number;
}
export interface CachedRepo {
  repo: string;
  path: string;
  /** Bytes of all distinct blobs of the repo. */
  size: number;
  revisions: CachedRevision[];
}

/** Every model repo in a cache folder, its revisions and sizes (nested files such as onnx/*.onnx included). */
export async function scanHubCache(cacheDir: string): Promise<CachedRepo[]> {
  const names = await readdir(cacheDir).catch(() => [] as string[]);
  const repos: CachedRepo[] = [];
  for (const name of names.filter((n) => n.startsWith('models--')).sort()) {
    const cache = new RepoCache(cacheDir, name.slice('models--'.length).split('--').join('/'));
    const refsByCommit = new Map<string, string[]>();
    for (const e of await readdir(join(cache.root, 'refs'), { recursive: true, withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) continue;
      const revision = relative(join(cache.root, 'refs'), join(e.parentPath, e.name)).split('\\').join('/');
      const commit = await cache.readRef(revision);
      if (commit) refsByCommit.set(commit, [...(refsByCommit.get(commit) ?? []), revision]);
    }
    const repoBlobs = new Map<string, number>();
    const revisions: CachedRevision[] = [];
    for (const commit of (await readdir(join(cache.root, 'snapshots')).catch(() => [] as string[])).sort()) {
      const blobs = new Map<string, number>();
      const files = await cache.snapshotFiles(commit);
      for (const file of files) {
        const pointer = cache.pointer(commit, file);
        const target = (await lstat(pointer)).isSymbolicLink()
          ? resolve(dirname(pointer), await readlink(pointer)) // huggingface_hub falls back to absolute links
          : pointer;
        const size = await stat(target).then(
          (s) => s.size,
          () => 0, // a dangling link counts nothing
        );
        blobs.set(target, size);
        repoBlobs.set(target, size);
      }
      revisions.push({ commit, refs: (refsByCommit.get(commit) ?? []).sort(), files: files.length, size: sum(blobs) });
    }
    repos.push({ repo: cache.repo, path: cache.root, size: sum(repoBlobs), revisions });
  }
  return repos;
}

function sum(sizes: Map<string, number>): number {
  let total = 0;
  for (const s of sizes.values()) total += s;
  return total;
}
