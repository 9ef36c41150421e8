/**
 * Video items in a dataset: ffmpeg-made clips (16 frames of 64×64 testsrc2, one with a sine sound
 * track, one that is sound only) from a folder and from a WebDataset tar. Each sample's tokens
 * equal the video package's own encode of the file, its `.mmtok` equals what `mmtok encode` writes
 * (save createdBy), a corrupt clip is one errors line, and 1 or 2 workers write the same bytes.
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { encodeAudioFile, loadAudioTokenizer } from '@mmtok/audio';
import { decodeTokenFile } from '@mmtok/core';
import { loadVideoTokenizer } from '@mmtok/video';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeDataset, readDatasetSamples } from '../src/index.js';
import { outputDigests } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, '..', '..', '..', 'apps', 'cli', 'src', 'main.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

let root: string;
let clips: string;

const ff = (...args: string[]) => execFileSync('ffmpeg', ['-hide_banner', '-v', 'error', '-y', ...args]);
const TESTSRC = 'testsrc2=s=64x64:r=8';

/** `mmtok encode` (the CLI from its sources) of `input` into `output`. */
function mmtokEncode(input: string, output: string): Promise<void> {
  return new Promise((done, fail) =>
    execFile(
      process.execPath,
      ['--conditions=source', '--import', TSX, CLI, 'encode', input, '-o', output],
      { timeout: 120_000 },
      (error, _stdout, stderr) => (error ? fail(new Error(stderr)) : done()),
    ),
  );
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mmtok-dataset-video-'));
  clips = join(root, 'clips');
  await mkdir(clips);
  ff('-f', 'lavfi', '-i', TESTSRC, '-frames:v', '16', '-pix_fmt', 'yuv420p', join(clips, 'a-plain.mp4'));
  ff(
    ...['-f', 'lavfi', '-i', `${TESTSRC}:d=2`, '-f', 'lavfi', '-i', 'sine=frequency=440:duration=2'],
    ...['-pix_fmt', 'yuv420p', '-c:a', 'libopus', join(clips, 'b-sound.webm')],
  );
  ff('-f', 'lavfi', '-i', 'sine=frequency=300:duration=1', join(clips, 'c-voice.mp4'));
  // A clip cut off after its first kilobytes: ffmpeg finds no readable stream.
  const whole = await readFile(join(clips, 'a-plain.mp4'));
  await writeFile(join(clips, 'd-broken.mp4'), whole.subarray(whole.length - 2000));
  // A WebDataset tar holding a clip with a caption.
  const web = join(root, 'web');
  await mkdir(web);
  await copyFile(join(clips, 'a-plain.mp4'), join(web, 's1.mp4'));
  await writeFile(join(web, 's1.txt'), 'a test pattern');
  execFileSync('tar', ['--sort=name', '-cf', join(root, 'data-00000.tar'), '-C', web, 's1.mp4', 's1.txt']);
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('dataset encode of video', () => {
  it('tokenizes clips as the video package and mmtok encode do; a corrupt one is an errors line', async () => {
    const one = join(root, 'one');
    const two = join(root, 'two');
    const inputs = [clips, join(root, 'data-00000.tar')];
    const r1 = await encodeDataset({ inputs, output: one, workers: 1, shardSize: 2 });
    const r2 = await encodeDataset({ inputs, output: two, workers: 2, shardSize: 2 });
    expect(r1.failed).toEqual([]);
    expect(await outputDigests(two)).toEqual(await outputDigests(one));

    const samples = [];
    for await (const s of readDatasetSamples(one)) samples.push(s);
    expect(samples.map((s) => [s.meta.source, s.meta.modality])).toEqual([
      [join(clips, 'a-plain.mp4'), 'video'],
      [join(clips, 'b-sound.webm'), 'video'],
      [join(clips, 'c-voice.mp4'), 'audio'],
      [join(root, 'data-00000.tar'), 'video'],
    ]);
    expect(samples[3].text).toEqual({ txt: 'a test pattern' });
    expect(r2.index?.items).toBe(4);

    const video = await loadVideoTokenizer('default');
    const audio = await loadAudioTokenizer('default');
    const audioIdentity = { ...audio.identity };
    try {
      for (const [i, file] of ['a-plain.mp4', 'b-sound.webm', 'a-plain.mp4'].entries()) {
        const s = samples[i === 2 ? 3 : i];
        const expected = await video.encode(join(clips, file));
        const got = decodeTokenFile(s.tokenFile);
        expect(Array.from(got.indices)).toEqual(Array.from(expected.indices));
        expect(got.header.tokenizer).toEqual(video.identity);
        expect(s.meta).toMatchObject({ shape: expected.shape, width: 64, height: 64, frames: 16, fps: 8 });
      }
      // The sound track: the default audio tokenizer's tokens of the same file.
      const track = decodeTokenFile(samples[1].tokenFile).tracks[0];
      const sound = await encodeAudioFile(audio, join(clips, 'b-sound.webm'));
      expect(track.header).toMatchObject({ name: 'audio', modality: 'audio', shape: sound.shape });
      expect(Array.from(track.indices)).toEqual(Array.from(sound.indices));
    } finally {
      await video.dispose();
      await audio.dispose();
    }

    // Byte for byte what `mmtok encode` writes for each file, but for the program named in createdBy.
    for (const [i, file] of ['a-plain.mp4', 'b-sound.webm', 'c-voice.mp4'].entries()) {
      const out = join(root, `${file}.mmtok`);
      await mmtokEncode(join(clips, file), out);
      const cli = decodeTokenFile(await readFile(out));
      const ds = decodeTokenFile(samples[i].tokenFile);
      expect({ ...ds, header: { ...ds.header, createdBy: '' } }).toEqual({
        ...cli,
        header: { ...cli.header, createdBy: '' },
      });
    }

    const errors = (await readFile(join(one, 'shard-00001.errors.jsonl'), 'utf8')).trim().split('\n');
    expect(errors.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ source: join(clips, 'd-broken.mp4'), code: expect.stringMatching(/^MMTOK_VIDEO_/) }),
    ]);
    const marker = JSON.parse(await readFile(join(one, 'shard-00000.json'), 'utf8'));
    // b-sound.webm's sound track: its tokenizer (the default audio one) is recorded apart from audio items'.
    expect(Object.keys(marker.tokenizers)).toEqual(['video', 'videoAudio']);
    expect(marker.tokenizers.videoAudio).toEqual(audioIdentity);
    const index = JSON.parse(await readFile(join(one, 'dataset.json'), 'utf8'));
    expect(index.tokenizers.videoAudio).toEqual(audioIdentity);
  }, 300_000);
});
