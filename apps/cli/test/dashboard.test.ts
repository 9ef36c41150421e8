/** The dashboard server and export: what they hand out, what they refuse, and how they write. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMmtokError } from '@mmtok/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DashboardServer, exportDashboard, startDashboard } from '../src/api/dashboard.js';
import { runCli } from '../src/cli.js';
import { decodeRequestPath } from '../src/dashboard/server.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'main.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

let dir: string;
let appDir: string;
let reportPath: string;
let server: DashboardServer;
const WAV = Buffer.from('RIFF....WAVEfmt fake audio bytes for range tests');

function get(
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
  base = server.url,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const u = new URL(base);
  return new Promise((ok, fail) => {
    const req = request({ host: u.hostname, port: u.port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c) => (body += c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', fail);
    req.end();
  });
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isMmtokError(e)) return e.code;
    throw e;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mmtok-dash-'));
  appDir = join(dir, 'app');
  await mkdir(join(appDir, 'assets'), { recursive: true });
  await writeFile(join(appDir, 'index.html'), '<!doctype html><title>app</title>');
  await writeFile(join(appDir, 'assets/app.js'), 'console.log(1)');
  await mkdir(join(dir, 'run/media'), { recursive: true });
  await writeFile(join(dir, 'run/media/a.wav'), WAV);
  await writeFile(join(dir, 'secret.txt'), 'do not serve');
  reportPath = join(dir, 'run/report.json');
  await writeFile(
    reportPath,
    JSON.stringify({
      schemaVersion: 1,
      tokenizer: { name: 't' },
      data: { items: 2 },
      metrics: {
        higherIsBetter: {},
        aggregate: {},
        items: [
          {
            id: 'a',
            values: {},
            media: [
              { label: 'original', mime: 'audio/wav', src: 'media/a.wav' },
              { label: 'reconstruction', mime: 'audio/wav', src: 'media/gone.wav' },
            ],
          },
          {
            id: 'b',
            values: {},
            media: [{ label: 'embedded', mime: 'audio/wav', src: 'data:audio/wav;base64,AAAA' }],
          },
        ],
      },
    }),
  );
  await writeFile(join(dir, 'run/bad.json'), '{ not json');
  server = await startDashboard({ reports: [join(dir, 'run'), join(dir, 'run/bad.json')], appDir });
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('request paths', () => {
  it('decodes segments and refuses dot segments, encoded or not', () => {
    expect(decodeRequestPath('/')).toEqual({ ok: true, path: '' });
    expect(decodeRequestPath('/api/media/0/1/a%20b.png?x=1')).toEqual({ ok: true, path: 'api/media/0/1/a b.png' });
    for (const bad of ['/../x', '/a/%2e%2e/x', '/a/..%2Fx', '/a/..%5Cx', '/a/%00'])
      expect(decodeRequestPath(bad)).toEqual({ ok: false, status: 403 });
    expect(decodeRequestPath('/%E0%A4%A')).toEqual({ ok: false, status: 400 });
  });
});

describe('startDashboard', () => {
  it('listens on 127.0.0.1 at a free port and serves the app', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const index = await get('/');
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>app</title>');
    expect(index.headers['content-security-policy']).toContain("connect-src 'self'");
    expect((await get('/assets/app.js')).status).toBe(200);
  });

  it('lists the reports and serves them with media paths rewritten to its own URLs', async () => {
    const list = JSON.parse((await get('/api/reports.json')).body);
    expect(list.reports).toHaveLength(2);
    const report = JSON.parse((await get(`/${list.reports[0].url}`)).body);
    const [orig, rec] = report.metrics.items[0].media;
    const media = { original: orig.src, reconstruction: rec.src };
    expect(orig.mime).toBe('audio/wav');
    expect(media.original).toMatch(/^api\/media\/0\/\d+\/a\.wav$/);
    expect(list.reports[0].media[media.original]).toBe('media/a.wav');
    // data: URIs stay as they are: nothing to serve.
    expect(report.metrics.items[1].media[0].src).toBe('data:audio/wav;base64,AAAA');
    expect(JSON.stringify(report)).not.toContain(dir);
    // A report that is not JSON is served as it is: the page explains the problem.
    expect((await get(`/${list.reports[1].url}`)).body).toBe('{ not json');
    const wav = await get(`/${media.original}`);
    expect(wav.status).toBe(200);
    expect(wav.headers['content-type']).toBe('audio/wav');
    expect(wav.body).toBe(WAV.toString('latin1'));
    const part = await get(`/${media.original}`, { range: 'bytes=4-7' });
    expect(part.status).toBe(206);
    expect(part.body).toBe(WAV.subarray(4, 8).toString('latin1'));
    expect((await get(`/${media.reconstruction}`)).status).toBe(404);
  });

  it('serves only what it was given: other paths 404, traversal 403, writes 405, foreign hosts 403', async () => {
    expect((await get('/secret.txt')).status).toBe(404);
    expect((await get('/run/report.json')).status).toBe(404);
    expect((await get('/api/media/0/99/a.wav')).status).toBe(404);
    expect((await get('/api/media/0/0/../../../secret.txt')).status).toBe(403);
    expect((await get('/assets/..%2F..%2Fsecret.txt')).status).toBe(403);
    expect((await get('/api/reports.json', {}, 'POST')).status).toBe(405);
    expect((await get('/api/reports.json', {}, 'DELETE')).status).toBe(405);
    expect((await get('/', { host: 'attacker.example' })).status).toBe(403);
  });

  it('fails clearly when the app is not built or a report is missing', async () => {
    expect(await codeOf(startDashboard({ reports: [], appDir: join(dir, 'nope') }))).toBe('MMTOK_DASHBOARD_NOT_BUILT');
    expect(await codeOf(startDashboard({ reports: [join(dir, 'missing.json')], appDir }))).toBe('MMTOK_IO');
    expect(await codeOf(startDashboard({ reports: [], appDir, port: 70000 }))).toBe('MMTOK_USAGE');
  });
});

describe('exportDashboard', () => {
  it('writes app, reports and media at the served URLs, replaces an earlier export, refuses other folders', async () => {
    const out = join(dir, 'share');
    const first = await exportDashboard({ reports: [reportPath], outDir: out, appDir });
    expect(first).toMatchObject({ reports: 1, media: 1 });
    expect(first.missingMedia).toEqual([join(dir, 'run/media/gone.wav')]);
    const list = JSON.parse(await readFile(join(out, 'api/reports.json'), 'utf8'));
    const report = JSON.parse(await readFile(join(out, list.reports[0].url), 'utf8'));
    expect(await readFile(join(out, report.metrics.items[0].media[0].src))).toEqual(WAV);
    expect(await readFile(join(out, 'index.html'), 'utf8')).toContain('app');
    await exportDashboard({ reports: [reportPath], outDir: out, appDir });
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-') || f.includes('.old-'))).toEqual([]);
    const other = join(dir, 'other');
    await mkdir(other);
    await writeFile(join(other, 'keep.txt'), 'mine');
    expect(await codeOf(exportDashboard({ reports: [reportPath], outDir: other, appDir }))).toBe(
      'MMTOK_OUTPUT_CONFLICT',
    );
    expect(await readFile(join(other, 'keep.txt'), 'utf8')).toBe('mine');
  });
});

describe('mmtok dashboard', () => {
  function streams() {
    const out = { stdout: '', stderr: '' };
    return {
      out,
      s: {
        stdout: {
          write: (c: string) => {
            out.stdout += c;
            return true;
          },
        },
        stderr: {
          write: (c: string) => {
            out.stderr += c;
            return true;
          },
        },
      },
    };
  }

  it('has help with examples, and refuses --port with --export', async () => {
    // cac prints help through console.log.
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(await runCli(['dashboard', '--help'], streams().s)).toBe(0);
      const text = log.mock.calls.flat().join('\n');
      expect(text).toContain('mmtok dashboard report/report.json');
      expect(text).toContain('--export <dir>');
    } finally {
      log.mockRestore();
    }
    const bad = streams();
    expect(await runCli(['dashboard', reportPath, '--export', join(dir, 'x'), '--port', '8080'], bad.s)).toBe(2);
    expect(bad.out.stderr).toContain('--port and --export');
  });

  /** The real `mmtok dashboard` process, serving the test app (MMTOK_DASHBOARD_APP). */
  function mmtokDashboard(args: string[], app = appDir) {
    const child = spawn(process.execPath, ['--conditions=source', '--import', TSX, MAIN, 'dashboard', ...args], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', MMTOK_DASHBOARD_APP: app },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    // 'close', not 'exit': it comes after the output pipes are drained.
    const exited = once(child, 'close') as Promise<[number | null, string | null]>;
    // With --json it prints one JSON document once it listens, then keeps serving.
    const printed = new Promise<unknown>((ok, fail) => {
      child.stdout.on('data', (c) => {
        stdout += c;
        try {
          ok(JSON.parse(stdout));
        } catch {}
      });
      void exited.then(() => fail(new Error(`exited before printing JSON: ${stdout}${stderr}`)));
    });
    printed.catch(() => undefined); // awaited only by the tests that expect it
    return { child, exited, printed, stderr: () => stderr };
  }

  it('as a process: prints its URL, serves until SIGINT, then exits 0 and frees the port', async () => {
    const run = mmtokDashboard(['run', '--json']);
    const { url, reports } = (await run.printed) as { url: string; reports: number };
    expect(reports).toBe(1);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await get('/', {}, 'GET', url)).body).toContain('<title>app</title>');
    expect(JSON.parse((await get('/api/reports.json', {}, 'GET', url)).body).reports).toHaveLength(1);
    run.child.kill('SIGINT');
    expect(await run.exited).toEqual([0, null]);
    // The port is free again at once.
    const probe = createServer();
    await new Promise<void>((ok, fail) => probe.once('error', fail).listen(Number(new URL(url).port), '127.0.0.1', ok));
    await new Promise((ok) => probe.close(ok));
  });

  it('as a process: a port in use or a missing app fails with its code and a non-zero exit', async () => {
    const busy = createServer();
    await new Promise<void>((ok) => busy.listen(0, '127.0.0.1', ok));
    try {
      const port = String((busy.address() as { port: number }).port);
      const taken = mmtokDashboard(['run', '--port', port]);
      expect((await taken.exited)[0]).not.toBe(0);
      expect(taken.stderr()).toMatch(/^mmtok: port \d+ on 127\.0\.0\.1 is in use.+ \(MMTOK_IO\)$/m);
    } finally {
      await new Promise((ok) => busy.close(ok));
    }
    const unbuilt = mmtokDashboard([], join(dir, 'not-built'));
    expect((await unbuilt.exited)[0]).not.toBe(0);
    expect(unbuilt.stderr()).toMatch(/\(MMTOK_DASHBOARD_NOT_BUILT\)$/m);
    expect(unbuilt.stderr()).toContain('MMTOK_DASHBOARD_APP');
  });
});
