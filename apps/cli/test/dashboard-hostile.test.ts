/**
 * A report received from someone else names the files the dashboard hands out. These tests give it
 * `..` paths to private files, absolute paths, symlinks, and a symlink swapped in after start:
 * only regular files whose bytes are the claimed media type may be served or exported, and an
 * export holds copies, never links.
 */
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardServer, exportDashboard, startDashboard } from '../src/api/dashboard.js';
import { sniffMedia } from '../src/dashboard/media.js';

const PNG = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'coins-48x38.png');
const SECRET = 'root:SECRET-PASSWORD-HASH:19000:0:99999:7:::\n';

let dir: string;
let appDir: string;
let reportPath: string;
let png: Buffer;

function get(base: string, path: string): Promise<{ status: number; body: string; location?: string }> {
  const u = new URL(base);
  return new Promise((ok, fail) => {
    const req = request({ host: u.hostname, port: u.port, path }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c) => (body += c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body, location: res.headers.location }));
    });
    req.on('error', fail);
    req.end();
  });
}

/** Every path under `root` (files, folders and links, not followed). */
async function walk(root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true })).map((f) => join(root, f));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mmtok-dash-hostile-'));
  appDir = join(dir, 'app');
  await mkdir(appDir);
  await writeFile(join(appDir, 'index.html'), '<!doctype html><title>app</title>');
  png = await readFile(PNG);
  // The receiver's private file, beside the report's folder.
  await writeFile(join(dir, 'shadow'), SECRET);
  const run = join(dir, 'run');
  await mkdir(run);
  await writeFile(join(run, 'real.png'), png);
  await writeFile(join(run, 'swap.png'), png);
  await symlink(join(dir, 'shadow'), join(run, 'link-to-secret.png'));
  await symlink(join(run, 'real.png'), join(run, 'link-to-png.png'));
  const clip = (label: string, src: string) => ({ label, mime: 'image/png', src });
  reportPath = join(run, 'report.json');
  await writeFile(
    reportPath,
    JSON.stringify({
      metrics: {
        items: [
          {
            media: [
              clip('climbs out', `${'../'.repeat(12)}${dir.slice(1)}/shadow`),
              clip('dotdot', '../shadow'),
              clip('absolute', '/etc/hostname'),
              clip('symlink to a secret', 'link-to-secret.png'),
              clip('symlink to a png', 'link-to-png.png'),
              clip('real', 'real.png'),
              clip('swapped later', 'swap.png'),
              clip('a folder', '.'),
            ],
          },
        ],
      },
    }),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('media checks', () => {
  it('sniffs the media families from their first bytes', () => {
    expect(sniffMedia(png.subarray(0, 16))).toBe('png');
    expect(sniffMedia(Buffer.from(SECRET))).toBeUndefined();
    expect(sniffMedia(Buffer.from('RIFF\0\0\0\0WAVEfmt '))).toBe('wav');
    expect(sniffMedia(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('webp');
    expect(sniffMedia(Buffer.from('\0\0\0\x20ftypisom'))).toBe('isobmff');
    expect(sniffMedia(Buffer.from('\0\0\0\x20ftypavif'))).toBe('avif');
    expect(sniffMedia(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpeg');
    expect(sniffMedia(Buffer.from('ID3\x04'))).toBe('mp3');
  });
});

describe('export of a hostile report', () => {
  it('copies only regular files of the claimed type, as bytes; private files and links stay out', async () => {
    const out = join(dir, 'share');
    const r = await exportDashboard({ reports: [reportPath], outDir: out, appDir });
    expect(r.media).toBe(3); // real.png, link-to-png.png (resolved at start), swap.png
    expect(r.refusedMedia.map((m) => m.file).sort()).toEqual(
      // The two climbing paths name one file; the link to the secret resolves to it as well.
      [join(dir, 'run'), join(dir, 'shadow'), join(dir, 'shadow'), '/etc/hostname'].sort(),
    );
    for (const path of await walk(out)) {
      const st = await lstat(path);
      expect(st.isSymbolicLink(), `${path} is a link`).toBe(false);
      if (st.isFile()) expect((await readFile(path, 'latin1')).includes('SECRET')).toBe(false);
    }
    const list = JSON.parse(await readFile(join(out, 'api/reports.json'), 'utf8'));
    const report = JSON.parse(await readFile(join(out, list.reports[0].url), 'utf8'));
    const viaLink = report.metrics.items[0].media[4].src;
    expect(await readFile(join(out, viaLink))).toEqual(png);
  });
});

describe('serving a hostile report', () => {
  let server: DashboardServer;
  let media: string[];

  beforeAll(async () => {
    server = await startDashboard({ reports: [reportPath], appDir });
    const list = JSON.parse((await get(server.url, '/api/reports.json')).body);
    const report = JSON.parse((await get(server.url, `/${list.reports[0].url}`)).body);
    media = report.metrics.items[0].media.map((m: { src: string }) => m.src);
  });

  afterAll(async () => {
    await server.close();
  });

  it('refuses what is not a regular file of the claimed type, serves the rest', async () => {
    const [climb, dotdot, absolute, linkSecret, linkPng, real, , folder] = media;
    for (const url of [climb, dotdot, absolute, linkSecret, folder]) {
      const r = await get(server.url, `/${url}`);
      expect(r.status, url).toBe(404);
      expect(r.body).not.toContain('SECRET');
    }
    for (const url of [linkPng, real]) expect((await get(server.url, `/${url}`)).body).toBe(png.toString('latin1'));
  });

  it('does not follow a symlink swapped in after start', async () => {
    const swapped = media[6];
    expect((await get(server.url, `/${swapped}`)).status).toBe(200);
    await rm(join(dir, 'run', 'swap.png'));
    await symlink(join(dir, 'shadow'), join(dir, 'run', 'swap.png'));
    const r = await get(server.url, `/${swapped}`);
    expect(r.status).toBe(404);
    expect(r.body).not.toContain('SECRET');
  });
});

describe('a random token in the URL (--url-token)', () => {
  it('serves everything under /<token>/ only', async () => {
    const server = await startDashboard({ reports: [reportPath], appDir, urlToken: true });
    try {
      const token = new URL(server.url).pathname.split('/')[1];
      expect(token).toMatch(/^[A-Za-z0-9_-]{24}$/);
      expect((await get(server.url, `/${token}/`)).body).toContain('<title>app</title>');
      expect((await get(server.url, `/${token}/api/reports.json`)).status).toBe(200);
      expect((await get(server.url, `/${token}`)).location).toBe(`/${token}/`);
      for (const path of ['/', '/index.html', '/api/reports.json', `/${token.slice(1)}/api/reports.json`]) {
        expect((await get(server.url, path)).status, path).toBe(404);
      }
      const other = await startDashboard({ reports: [reportPath], appDir, urlToken: true });
      expect(new URL(other.url).pathname).not.toBe(new URL(server.url).pathname);
      await other.close();
    } finally {
      await server.close();
    }
  });
});
