/**
 * Batched encoding in a shard: with an ONNX encoder that has a dynamic batch axis (the image
 * package's fsq-batch parity fixture), consecutive same-size images go through one encoder run,
 * and the shard's bytes are those of batch size 1, sizes mixed and a corrupt item in between.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeDataset } from '../src/index.js';
import { planHash, type ShardItem, writeShard } from '../src/shard.js';
import { Tokenizers } from '../src/tokenizers.js';
import { makeImages, outputDigests } from './helpers.js';

const MANIFEST = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../image/test/fixtures/onnx/fsq-batch.manifest.json',
);

let root: string;
let paths: string[];
const tokenizers = new Tokenizers({ tokenizer: MANIFEST });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mmtok-dataset-batch-'));
  const big = await makeImages(join(root, 'in'), 5, 32, 'a');
  const small = await makeImages(join(root, 'in'), 2, 24, 'b');
  const corrupt = join(root, 'in', 'c-corrupt.png');
  await writeFile(corrupt, 'not a png');
  // Shard order: three 32², a 24², the corrupt one, two 32², a 24².
  paths = [big[0], big[1], big[2], small[0], corrupt, big[3], big[4], small[1]];
}, 60_000);

afterAll(async () => {
  await tokenizers.dispose();
  await rm(root, { recursive: true, force: true });
});

async function shard(name: string, batchSize: number) {
  const dir = join(root, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir);
  const items: ShardItem[] = paths.map((path, i) => ({ key: `s${i}`, path }));
  const task = { dir, name: 'shard-00000', items, planHash: planHash(items, MANIFEST), tokenizer: MANIFEST, batchSize };
  const { batched, marker } = await writeShard(task, tokenizers);
  return {
    batched,
    marker,
    tar: await readFile(join(dir, 'shard-00000.tar')),
    errors: await readFile(join(dir, 'shard-00000.errors.jsonl'), 'utf8'),
  };
}

describe('batched shards', () => {
  it('batch size 4 runs same-size images together and writes the bytes of batch size 1', async () => {
    const one = await shard('batch-1', 1);
    const four = await shard('batch-4', 4);
    expect(one.batched).toBe(0);
    // Groups of 4: [32², 32², 32², 24²] → runs [3, 1]; [corrupt, 32², 32², 24²] → [2, 1].
    expect(four.batched).toBe(5);
    expect([four.marker.items, four.marker.failures]).toEqual([7, 1]);
    expect(four.tar.equals(one.tar)).toBe(true);
    expect(four.errors).toBe(one.errors);
    expect(JSON.parse(four.errors).key).toBe('s4');
  });

  it('encodeDataset --batch-size 4 and 1 give the same shards; 0 is refused before any work', async () => {
    const inputs = [join(root, 'in')];
    const run = (output: string, batchSize: number) =>
      encodeDataset({ inputs, output: join(root, output), tokenizer: MANIFEST, shardSize: 5, workers: 1, batchSize });
    await run('ds-1', 1);
    await run('ds-4', 4);
    const digests = await outputDigests(join(root, 'ds-4'));
    expect(Object.keys(digests)).toContain('shard-00001.tar');
    expect(digests).toEqual(await outputDigests(join(root, 'ds-1')));
    await expect(run('ds-0', 0)).rejects.toMatchObject({ code: 'MMTOK_CONFIG' });
    expect(existsSync(join(root, 'ds-0'))).toBe(false);
  });
});
