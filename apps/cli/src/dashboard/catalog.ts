/**
 * What `mmtok dashboard` may hand out: the reports it was given and the media files they list,
 * each under a fixed URL path. An item's media clip (`{ label, mime, src }`) normally embeds a
 * data: URI; one whose `src` is instead a path (relative to the report) names a file on disk,
 * and that path is rewritten in the served report text, so the page never sees a file-system path.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { MmtokError } from '@mmtok/core';
import { checkMediaFile, type MediaFile, type MediaRefusal } from './media.js';

export interface CatalogEntry {
  /** Display name: the report's path relative to the working folder. */
  name: string;
  /** URL path of the (rewritten) report, relative to the app root. */
  url: string;
  /** Media URL path → the path the report named, for messages about missing files. */
  media: Record<string, string>;
}

export interface Catalog {
  /** Served as api/reports.json. */
  index: { reports: CatalogEntry[] };
  /** URL path (no leading slash) → report text. */
  reports: Map<string, string>;
  /** URL path (no leading slash) → the checked file, or why it is not handed out. */
  media: Map<string, MediaFile | MediaRefusal>;
}

/** A file name safe in a URL path segment and on any file system; the extension is kept for content types. */
function safeName(path: string): string {
  return (
    basename(path)
      .replace(/[^A-Za-z0-9._-]/g, '_')
      .replace(/^\.+/, '_') || 'media'
  );
}

/** A report argument may be the report file or the folder `mmtok diagnose -o` wrote it into. */
async function reportFile(arg: string): Promise<string> {
  const abs = resolve(arg);
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(abs);
  } catch {
    throw new MmtokError('MMTOK_IO', `report not found: ${arg}`, { path: arg });
  }
  if (!st.isDirectory()) return abs;
  const inside = join(abs, 'report.json');
  try {
    await stat(inside);
  } catch {
    throw new MmtokError('MMTOK_IO', `${arg} is a folder without report.json; name the report file itself`, {
      path: arg,
    });
  }
  return inside;
}

/**
 * Points an item's media clips at the server: a clip's `src` that is not a data: URI is a path
 * relative to the report; it is registered and replaced by the URL that serves it.
 */
async function rewriteMedia(
  media: unknown,
  register: (path: string, mime: string | undefined) => Promise<string>,
): Promise<void> {
  if (!Array.isArray(media)) return;
  for (const clip of media) {
    if (!clip || typeof clip !== 'object') continue;
    const c = clip as Record<string, unknown>;
    if (typeof c.src === 'string' && c.src !== '' && !c.src.startsWith('data:')) {
      c.src = await register(c.src, typeof c.mime === 'string' ? c.mime : undefined);
    }
  }
}

/**
 * Reads the given reports. A report that is not JSON (or not a report) is still served as it is:
 * the page explains what is wrong with it, which is more useful than refusing to start.
 */
export async function buildCatalog(reportArgs: readonly string[]): Promise<Catalog> {
  const catalog: Catalog = { index: { reports: [] }, reports: new Map(), media: new Map() };
  const byFile = new Map<string, string>();
  for (const [r, arg] of reportArgs.entries()) {
    const file = await reportFile(arg);
    const text = await readFile(file, 'utf8');
    const url = `api/reports/${r}.json`;
    const media: Record<string, string> = {};
    let served = text;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const items = (parsed as { metrics?: { items?: unknown } } | undefined)?.metrics?.items;
    if (Array.isArray(items)) {
      let n = 0;
      const register = async (path: string, mime: string | undefined): Promise<string> => {
        const abs = resolve(dirname(file), path);
        const key = `${mime ?? ''}\0${abs}`;
        let mediaUrl = byFile.get(key);
        if (!mediaUrl) {
          mediaUrl = `api/media/${r}/${n++}/${safeName(abs)}`;
          byFile.set(key, mediaUrl);
          catalog.media.set(mediaUrl, await checkMediaFile(path, abs, mime));
        }
        media[mediaUrl] = path;
        return mediaUrl;
      };
      for (const item of items)
        if (item && typeof item === 'object') await rewriteMedia((item as { media?: unknown }).media, register);
      served = JSON.stringify(parsed, null, 2);
    }
    catalog.reports.set(url, served);
    // Shown relative to the working folder when it is below it, else in full.
    const rel = relative(process.cwd(), file);
    const name = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
    catalog.index.reports.push({ name, url, media });
  }
  return catalog;
}
