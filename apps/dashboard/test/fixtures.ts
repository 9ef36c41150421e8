/**
 * Real inputs for the end-to-end test, made with the CLI's programmatic API: two small images,
 * a report of the default tokenizer (with the media `mmtok diagnose` records: the original's path
 * and its reconstruction written beside the report), a tokenizer trained on them (FSQ) and its
 * report (media rewritten: original embedded, one reconstruction missing), token files, two bad
 * reports, and audio and video reports of short ffmpeg-made clips.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeFiles, diagnoseFiles, encodeFiles, trainTokenizer } from '@mmtok/cli';
import type { DiagnosticsReport } from '@mmtok/diagnostics';
import sharp from 'sharp';

const samples = resolve(dirname(fileURLToPath(import.meta.url)), '../../../packages/image/assets/samples');

export interface Fixtures {
  dir: string;
  reportA: string;
  reportB: string;
  malformed: string;
  newer: string;
  tokenFiles: string[];
  a: DiagnosticsReport;
  b: DiagnosticsReport;
  /** Item of report B whose reconstruction is deliberately missing. */
  missingItem: string;
  /** Audio report: the clips embedded as WAV data: URIs, as `mmtok diagnose` writes them. */
  reportAudio: string;
  audio: DiagnosticsReport;
  /** Video report as `mmtok diagnose` writes it: the worst frames' stills embedded. */
  reportVideo: string;
  video: DiagnosticsReport;
  /** The same video report with its media rewritten to the original clip and its decoded tokens (WebM). */
  reportVideoFiles: string;
  videoFiles: DiagnosticsReport;
}

/**
 * Replaces every item's media: the original embedded as a data: URI when `embed` (as `mmtok
 * diagnose` does for audio), else as a path relative to the report; the reconstruction as a path.
 */
async function addMedia(
  reportPath: string,
  recDir: string,
  inputsDir: string,
  options: { embed?: boolean; missing?: string } = {},
): Promise<DiagnosticsReport> {
  const report = JSON.parse(await readFile(reportPath, 'utf8')) as DiagnosticsReport;
  const base = dirname(reportPath);
  for (const item of report.metrics!.items) {
    const name = basename(item.id).replace(/\.\w+$/, '');
    const original = resolve(inputsDir, basename(item.id));
    const rec = item.id === options.missing ? join(recDir, 'does-not-exist.png') : join(recDir, `${name}.png`);
    item.media = [
      {
        label: 'original',
        mime: 'image/png',
        src: options.embed
          ? `data:image/png;base64,${(await readFile(original)).toString('base64')}`
          : relative(base, original),
      },
      { label: 'reconstruction', mime: 'image/png', src: relative(base, rec) },
    ];
  }
  await writeFile(reportPath, JSON.stringify(report, null, 2));
  return report;
}

function ffmpeg(...args: string[]): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args]);
}

/** A 1.5 s rising chirp at 16 kHz, and its diagnose report. */
async function audioReport(dir: string): Promise<{ reportPath: string; report: DiagnosticsReport }> {
  const wav = join(dir, 'audio/chirp.wav');
  await mkdir(dirname(wav), { recursive: true });
  ffmpeg('-f', 'lavfi', '-i', "aevalsrc='0.4*sin(2*PI*(200+1200*t)*t)':s=16000:d=1.5", wav);
  const r = await diagnoseFiles({ inputs: [wav], output: join(dir, 'audio-report') });
  if (!r.report || !r.reportPath) throw new Error('audio diagnose wrote no report');
  return { reportPath: r.reportPath, report: r.report };
}

/**
 * A 1 s 64×48 test pattern (WebM, which Chromium plays), its diagnose report, and a copy of that
 * report whose media are the clip and its decoded tokens, for the players' difference view.
 */
async function videoReports(dir: string) {
  const clip = join(dir, 'video/pattern.webm');
  await mkdir(dirname(clip), { recursive: true });
  ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=8:duration=1', '-c:v', 'libvpx-vp9', '-b:v', '200k', clip);
  const r = await diagnoseFiles({ inputs: [clip], output: join(dir, 'video-report') });
  if (!r.report || !r.reportPath) throw new Error('video diagnose wrote no report');
  await encodeFiles({ inputs: [clip], output: join(dir, 'video-tokens/') });
  const decoded = join(dir, 'video-rec/pattern.webm');
  await decodeFiles({ inputs: [join(dir, 'video-tokens/pattern.mmtok')], output: decoded });
  const reportVideoFiles = join(dir, 'video-files/report.json');
  await mkdir(dirname(reportVideoFiles), { recursive: true });
  const videoFiles = JSON.parse(await readFile(r.reportPath, 'utf8')) as DiagnosticsReport;
  const base = dirname(reportVideoFiles);
  videoFiles.metrics!.items[0].media = [
    { label: 'original', mime: 'video/webm', src: relative(base, clip) },
    { label: 'reconstruction', mime: 'video/webm', src: relative(base, decoded) },
  ];
  await writeFile(reportVideoFiles, JSON.stringify(videoFiles, null, 2));
  return { reportVideo: r.reportPath, video: r.report, reportVideoFiles, videoFiles };
}

export async function makeFixtures(dir: string): Promise<Fixtures> {
  const imgs = join(dir, 'images');
  await mkdir(imgs, { recursive: true });
  // Small copies keep encode/train/diagnose to a few seconds on two cores.
  for (const name of ['coffee.png', 'astronaut.png']) {
    await sharp(join(samples, name)).resize(64, 48).png().toFile(join(imgs, name));
  }
  const a = await diagnoseFiles({ inputs: [imgs], output: join(dir, 'default') });
  await trainTokenizer({
    inputs: [imgs],
    output: join(dir, 'tok'),
    quantizer: 'fsq',
    levels: [5, 4, 3],
    patchSize: 8,
    seed: 1,
  });
  const manifest = join(dir, 'tok/manifest.json');
  const b = await diagnoseFiles({ inputs: [imgs], output: join(dir, 'trained'), tokenizer: manifest });
  if (!a.report || !b.report) throw new Error('diagnose wrote no report');

  const enc = await encodeFiles({ inputs: [imgs], output: join(dir, 'tokens/') });
  await encodeFiles({ inputs: [imgs], output: join(dir, 'tokens-trained/'), tokenizer: manifest });
  await decodeFiles({ inputs: [join(dir, 'tokens-trained')], output: join(dir, 'rec-trained/'), tokenizer: manifest });

  const reportA = a.reportPath!;
  const reportB = b.reportPath!;
  const missingItem = b.report.metrics!.items[0].id;
  const withMediaA = JSON.parse(await readFile(reportA, 'utf8')) as DiagnosticsReport;
  const withMediaB = await addMedia(reportB, join(dir, 'rec-trained'), imgs, { embed: true, missing: missingItem });

  const malformed = join(dir, 'bad/malformed.json');
  await mkdir(dirname(malformed), { recursive: true });
  await writeFile(malformed, '{"schemaVersion": 1, "tokenizer": {"name": "x"}, "data": {"items": 2}');
  const newer = join(dir, 'bad/newer.json');
  await writeFile(newer, JSON.stringify({ ...withMediaA, schemaVersion: 99 }));
  const audio = await audioReport(dir);
  const videos = await videoReports(dir);
  return {
    dir,
    reportA,
    reportB,
    malformed,
    newer,
    tokenFiles: enc.files.map((f) => f.output),
    a: withMediaA,
    b: withMediaB,
    missingItem,
    reportAudio: audio.reportPath,
    audio: audio.report,
    ...videos,
  };
}
