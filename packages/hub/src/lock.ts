import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tempName } from './cache-layout.js';

interface Owner {
  pid: number;
  host: string;
}

/**
 * A lock file at huggingface_hub's path (.locks/models--org--name/<etag>.lock), held while one process downloads a
 * blob so a second waits and then finds it done. Node has no flock, so the file's content names its owner: created
 * whole with link() (fails if it exists), removed on release. A file whose owner is dead on this host, or that
 * names no owner (huggingface_hub's filelock leaves empty files behind), is taken over. Against a live Python
 * process this is best effort; the sha256 check on LFS blobs still refuses a mixed file.
 */
export async function withLock<T>(path: string, work: () => Promise<T>, pollMs = 50): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const me: Owner = { pid: process.pid, host: hostname() };
  const mine = tempName(path);
  await writeFile(mine, JSON.stringify(me));
  try {
    for (;;) {
      try {
        await link(mine, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const owner = await readOwner(path);
      if (owner === 'gone') continue;
      if (owner && (owner.host !== me.host || alive(owner.pid))) {
        await sleep(pollMs);
        continue;
      }
      // Stale: replace it in one step, then check no other waiter replaced it after us.
      const steal = tempName(path);
      await writeFile(steal, JSON.stringify(me));
      await rename(steal, path);
      await sleep(pollMs);
      const now = await readOwner(path);
      if (now !== 'gone' && now?.pid === me.pid && now.host === me.host) break;
    }
  } finally {
    await rm(mine, { force: true });
  }
  try {
    return await work();
  } finally {
    await rm(path, { force: true });
  }
}

async function readOwner(path: string): Promise<Owner | undefined | 'gone'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return 'gone';
  }
  try {
    const o = JSON.parse(text) as Owner;
    return Number.isInteger(o.pid) && typeof o.host === 'string' ? o : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
