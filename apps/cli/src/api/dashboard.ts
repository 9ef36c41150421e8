import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { cp, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { MmtokError } from '@mmtok/core';
import { buildCatalog } from '../dashboard/catalog.js';
import { openMediaFile } from '../dashboard/media.js';
import { type DashboardServer, serveDashboard } from '../dashboard/server.js';

const here = dirname(fileURLToPath(import.meta.url));
/** In a checkout: apps/dashboard/dist beside this CLI (the same relative place from src/api and dist/api). */
const WORKSPACE_APP_DIR = resolve(here, '../../../dashboard/dist');
/** In an installed @mmtok/cli: the copy its build puts in app/ (scripts/copy-dashboard-app.mjs). */
const PACKAGED_APP_DIR = resolve(here, '../../app');
/** The checkout's build when there is one (never a stale copy), else the packaged app. */
function defaultAppDir(): string {
  return existsSync(join(WORKSPACE_APP_DIR, 'index.html')) ? WORKSPACE_APP_DIR : PACKAGED_APP_DIR;
}

export interface StartDashboardOptions {
  /** report.json files, or folders holding one (as `mmtok diagnose -o` writes). May be empty. */
  reports: readonly string[];
  /** Default 0: a free port. */
  port?: number;
  /** Default '127.0.0.1'. The server is meant for this machine only. */
  host?: string;
  /** The built dashboard (index.html + assets/). Default: apps/dashboard/dist. */
  appDir?: string;
  /** Serve under a random path (`http://127.0.0.1:<port>/<token>/`) that other local users cannot guess. */
  urlToken?: boolean;
}

export interface ExportDashboardOptions {
  reports: readonly string[];
  /** Folder to create (or replace, when it holds an earlier export). */
  outDir: string;
  appDir?: string;
}

export interface ExportDashboardResult {
  outDir: string;
  reports: number;
  media: number;
  /** Media the reports name that were not found; the page says so where they would be shown. */
  missingMedia: string[];
  /** Media left out because they are not regular files of the type the report claims. */
  refusedMedia: { file: string; reason: string }[];
  files: number;
  bytes: number;
}

/** Marks a folder as written by --export, so a later export may replace it. */
const EXPORT_MARKER = '.mmtok-dashboard-export';

/**
 * The built app. It is not built on demand: a CLI that runs Vite at start-up would need the
 * dashboard's dev tooling at run time. `npm run build` builds it with everything else.
 */
async function appDirOf(dir: string | undefined): Promise<string> {
  // MMTOK_DASHBOARD_APP serves another build of the app (a custom or relocated one).
  const appDir = resolve(dir ?? (process.env.MMTOK_DASHBOARD_APP || defaultAppDir()));
  try {
    await stat(join(appDir, 'index.html'));
  } catch {
    throw new MmtokError(
      'MMTOK_DASHBOARD_NOT_BUILT',
      `the dashboard app is not built (no ${join(appDir, 'index.html')}); run \`npm run build\` at the repository root (or \`npm run build -w @mmtok/dashboard\`), or set MMTOK_DASHBOARD_APP to a built app folder, and try again`,
      { appDir },
    );
  }
  return appDir;
}

/** Serves the dashboard with the given reports (read-only, this machine only) until `close()`. */
export async function startDashboard(options: StartDashboardOptions): Promise<DashboardServer> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new MmtokError('MMTOK_USAGE', `port must be an integer in [0, 65535], got ${port}`);
  }
  const appDir = await appDirOf(options.appDir);
  const catalog = await buildCatalog(options.reports);
  const token = options.urlToken ? randomBytes(18).toString('base64url') : undefined;
  return serveDashboard({ appDir, catalog, host: options.host ?? '127.0.0.1', port, token });
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function sizeOf(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    files++;
    bytes += (await stat(join(e.parentPath, e.name))).size;
  }
  return { files, bytes };
}

/**
 * Writes a static copy: the app, api/reports.json, the rewritten reports and their media, at the
 * same relative URLs the server uses, so any static file server can host it under any path. The
 * copy is assembled in a temporary sibling folder and renamed into place.
 */
export async function exportDashboard(options: ExportDashboardOptions): Promise<ExportDashboardResult> {
  const appDir = await appDirOf(options.appDir);
  const outDir = resolve(options.outDir);
  if (await exists(outDir)) {
    const entries = await readdir(outDir);
    if (entries.length > 0 && !entries.includes(EXPORT_MARKER)) {
      throw new MmtokError(
        'MMTOK_OUTPUT_CONFLICT',
        `${options.outDir} exists and is not an earlier dashboard export; choose a new folder (it is replaced as a whole)`,
        { path: options.outDir },
      );
    }
  }
  const catalog = await buildCatalog(options.reports);
  await mkdir(dirname(outDir), { recursive: true });
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = `${outDir}.tmp-${tag}`;
  const missingMedia: string[] = [];
  const refusedMedia: { file: string; reason: string }[] = [];
  try {
    // dereference: a symlink in the app folder is copied as its bytes, never as a link.
    await cp(appDir, tmp, { recursive: true, dereference: true });
    const write = async (urlPath: string, data: string) => {
      const file = join(tmp, ...urlPath.split('/'));
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, data);
    };
    await write('api/reports.json', JSON.stringify(catalog.index, null, 2));
    for (const [urlPath, text] of catalog.reports) await write(urlPath, text);
    for (const [urlPath, m] of catalog.media) {
      // The bytes of the file checked at start are copied, never a link to it.
      const opened = 'type' in m ? await openMediaFile(m) : undefined;
      if (!opened) {
        if ('reason' in m && m.reason !== 'missing') refusedMedia.push({ file: m.file, reason: m.reason });
        else missingMedia.push(m.file);
        continue;
      }
      const dest = join(tmp, ...urlPath.split('/'));
      await mkdir(dirname(dest), { recursive: true });
      await pipeline(opened.fh.createReadStream(), createWriteStream(dest, { flags: 'wx' }));
    }
    await writeFile(join(tmp, EXPORT_MARKER), 'written by mmtok dashboard --export\n');
    const { files, bytes } = await sizeOf(tmp);
    // Swap in: move an earlier export aside, rename the new one into place, then drop the old.
    const old = `${outDir}.old-${tag}`;
    const hadOld = await exists(outDir);
    if (hadOld) await rename(outDir, old);
    await rename(tmp, outDir);
    if (hadOld) await rm(old, { recursive: true, force: true });
    return {
      outDir,
      reports: catalog.index.reports.length,
      media: catalog.media.size - missingMedia.length - refusedMedia.length,
      missingMedia,
      refusedMedia,
      files,
      bytes,
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

export type { DashboardServer };
