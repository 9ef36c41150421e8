/**
 * Image inputs and manifests that would cost far more memory than their size suggests: a manifest
 * resizing every input to 30000², weights outside the manifest's folder, a PNG bomb.
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_PIXELS, listTokenizers, loadTokenizer, readImage } from '../src/index.js';
import { expectCode, withTmp } from './helpers.js';

const DEFAULT_DIR = join(listTokenizers()[0].manifestPath, '..');

/** A copy of the default tokenizer in `dir`/tok with its manifest edited. */
// biome-ignore lint/suspicious/noExplicitAny: the tests edit arbitrary manifest JSON
async function editedDefault(dir: string, edit: (m: Record<string, any>) => void): Promise<string> {
  const tok = join(dir, 'tok');
  await cp(DEFAULT_DIR, tok, { recursive: true });
  const path = join(tok, 'manifest.json');
  const m = JSON.parse(await readFile(path, 'utf8'));
  edit(m);
  await writeFile(path, JSON.stringify(m));
  return path;
}

function solidPng(size: number): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: '#808080' } })
    .png()
    .toBuffer();
}

describe('manifest limits', () => {
  it('refuses resizing every input to 30000×30000 when the manifest is loaded', async () => {
    await withTmp(async (dir) => {
      const path = await editedDefault(dir, (m) => {
        m.preprocessing.resize = { mode: 'exact', width: 30000, height: 30000 };
      });
      const err = await expectCode(loadTokenizer(path), 'MMTOK_MANIFEST');
      expect(err.message).toContain('manifest.preprocessing.resize');
    });
  });

  it('refuses 8192×8192 (within the per-side limit, over the area limit), accepts 4096×4096', async () => {
    await withTmp(async (dir) => {
      const big = await editedDefault(join(dir, 'big'), (m) => {
        m.preprocessing.resize = { mode: 'shorter-side-crop', size: 8192 };
      });
      await expectCode(loadTokenizer(big), 'MMTOK_MANIFEST');
      const ok = await editedDefault(join(dir, 'ok'), (m) => {
        m.preprocessing.resize = { mode: 'pad', size: 4096 };
      });
      const tok = await loadTokenizer(ok);
      await tok.dispose();
    });
  });

  it('refuses weights outside the manifest folder, and names a weights file it cannot parse', async () => {
    await withTmp(async (dir) => {
      await mkdir(join(dir, 'elsewhere'));
      await cp(join(DEFAULT_DIR, 'encoder.safetensors'), join(dir, 'elsewhere', 'encoder.safetensors'));
      const outside = await editedDefault(dir, (m) => {
        m.encoder.weights = '../elsewhere/encoder.safetensors';
      });
      const err = await expectCode(loadTokenizer(outside), 'MMTOK_MANIFEST');
      expect(err.message).toContain('outside the manifest');
      // A text file where the weights should be: the error says which file.
      const parsed = await editedDefault(join(dir, 'again'), () => {});
      await writeFile(join(dir, 'again', 'tok', 'encoder.safetensors'), 'root:x:0:0:root:/root:/bin/bash\n');
      const bad = await expectCode(loadTokenizer(parsed), 'MMTOK_FILE_FORMAT');
      expect(bad.message).toContain(join(dir, 'again', 'tok', 'encoder.safetensors'));
    });
  });
});

describe('pixel limit', () => {
  it('refuses a 12000² PNG bomb (a few hundred KB) from its header under the default limit', async () => {
    const bomb = await solidPng(12000);
    expect(bomb.length).toBeLessThan(1_000_000);
    expect(12000 * 12000).toBeGreaterThan(DEFAULT_MAX_PIXELS);
    const err = await expectCode(readImage(bomb), 'MMTOK_IMAGE_TOO_LARGE');
    expect(err.message).toContain('12000×12000');
  });

  it('an explicit limit refuses above it and decodes at it', async () => {
    const png = await solidPng(1000);
    await expectCode(readImage(png, { maxPixels: 999_999 }), 'MMTOK_IMAGE_TOO_LARGE');
    const image = await readImage(png, { maxPixels: 1_000_000 });
    expect([image.width, image.height, image.data[0]]).toEqual([1000, 1000, 0x80]);
    await expectCode(readImage(png, { maxPixels: 0 }), 'MMTOK_CONFIG');
  });
});
