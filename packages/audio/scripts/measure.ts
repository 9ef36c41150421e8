/**
 * Measures the default audio tokenizer on this machine:
 *  - real-time factor (processing seconds / audio seconds) of encode and decode, in process, beside
 *    its all-JavaScript baseline (backend 'js') in the same run;
 *  - peak RSS of a streaming file encode (encodeAudioFile: ffmpeg pipe → tokens → .mmtok) for a
 *    1-minute and a 60-minute input, each in its own child process (process.resourceUsage().maxRSS).
 * Long inputs are generated on the fly with ffmpeg lavfi (sine + pink noise) into a temp folder.
 *
 * Prints tables and writes bench-results/measure.json (or --json PATH).
 *
 *   node --conditions=source --import tsx packages/audio/scripts/measure.ts [--minutes 1,60] [--json out.json]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeTokenFile } from '@mmtok/core';
import { writeFileAtomic } from '@mmtok/core/node';
import { encodeAudioFile } from '../src/files.js';
import { readAudio } from '../src/io.js';
import { loadAudioTokenizer } from '../src/tokenizer.js';

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

/** Child mode: streaming-encode one file, print {seconds, maxRssMiB}. */
if (opt('--child')) {
  const path = opt('--child')!;
  const tok = await loadAudioTokenizer('default');
  const t0 = performance.now();
  const tokens = await encodeAudioFile(tok, path);
  await writeFileAtomic(
    `${path}.mmtok`,
    encodeTokenFile({
      header: {
        tokenizer: tokens.tokenizer,
        modality: 'audio',
        shape: tokens.shape,
        source: JSON.parse(JSON.stringify(tokens.source)),
      },
      indices: tokens.indices,
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    JSON.stringify({
      audioSeconds: tokens.source.duration,
      seconds,
      frames: tokens.shape[1],
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
    }),
  );
  process.exit(0);
}

const minutes = (opt('--minutes') ?? '1,60').split(',').map(Number);
const work = mkdtempSync(join(tmpdir(), 'mmtok-audio-measure-'));
try {
  // RTF in process on 60 s of speech-band signal.
  const src = join(work, 'rtf.wav');
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'sine=f=220:r=16000:d=60',
    '-f',
    'lavfi',
    '-i',
    'anoisesrc=c=pink:r=16000:d=60:a=0.05',
    '-filter_complex',
    'amix=inputs=2',
    '-ac',
    '1',
    src,
  ]);
  const audio = await readAudio(src);
  const dur = audio.length / audio.sampleRate;
  // The default as users get it, and its all-JavaScript baseline, in the same run.
  const rtf: Record<string, unknown>[] = [];
  for (const backend of [undefined, 'js']) {
    const tok = await loadAudioTokenizer('default', { backend });
    await tok.decode(await tok.encode(audio)); // warm-up (JIT, backend init)
    let t = performance.now();
    const tokens = await tok.encode(audio);
    const encS = (performance.now() - t) / 1000;
    t = performance.now();
    await tok.decode(tokens);
    const decS = (performance.now() - t) / 1000;
    rtf.push({
      backend: backend ?? 'automatic',
      audioSeconds: dur,
      encodeRtf: encS / dur,
      decodeRtf: decS / dur,
      encodeSeconds: encS,
      decodeSeconds: decS,
    });
    await tok.dispose();
  }
  console.table(rtf);

  const rss: Record<string, unknown>[] = [];
  const self = fileURLToPath(import.meta.url);
  for (const m of minutes) {
    const file = join(work, `long-${m}min.flac`);
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      `sine=f=220:r=16000:d=${m * 60}`,
      '-f',
      'lavfi',
      '-i',
      `anoisesrc=c=pink:r=16000:d=${m * 60}:a=0.05`,
      '-filter_complex',
      'amix=inputs=2',
      '-ac',
      '1',
      '-c:a',
      'flac',
      file,
    ]);
    const child = spawnSync(process.execPath, [...process.execArgv, self, '--child', file], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`child failed: ${child.stderr}`);
    const line = child.stdout.trim().split('\n').pop()!;
    rss.push({ minutes: m, inputMiB: statSync(file).size / 2 ** 20, ...JSON.parse(line) });
  }
  console.table(rss);
  const out = opt('--json') ?? fileURLToPath(new URL('../bench-results/measure.json', import.meta.url));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ date: new Date().toISOString(), machine: `${process.platform} ${process.arch}, node ${process.version}`, rtf, rss }, null, 2)}\n`,
  );
  console.log(`wrote ${out}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
