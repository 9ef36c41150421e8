/**
 * Real inputs for the end-to-end test, made with the CLI's programmatic API: two small images,
 * a report of the default tokenizer (with the media `mmtok diagnose` records: the original's path
 * and its reconstruction written beside the report), a tokenizer trained on them (FSQ) and its
 * report (media rewritten: original embedded, one reconstruction missing), token files, and two
 * bad reports.
 */
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
  };
}
