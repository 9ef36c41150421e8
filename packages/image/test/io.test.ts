import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { probeImage, readImage, writeImage } from '../src/index.js';
import { expectCode, psnr, randomImage, SAMPLES, withTmp } from './helpers.js';

/** A smooth image, so lossy codecs have something they can keep. */
function gradient(width: number, height: number) {
  const img = randomImage(width, height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      img.data[i] = (x * 255) / width;
      img.data[i + 1] = (y * 255) / height;
      img.data[i + 2] = 128;
    }
  return img;
}

describe('readImage / writeImage', () => {
  it('round-trips lossless formats exactly', async () => {
    await withTmp(async (dir) => {
      const img = randomImage(37, 23);
      for (const ext of ['png', 'tiff']) {
        await writeImage(img, join(dir, `a.${ext}`));
        const back = await readImage(join(dir, `a.${ext}`));
        expect([back.width, back.height, back.channels]).toEqual([37, 23, 3]);
        expect(Buffer.from(back.data).equals(Buffer.from(img.data))).toBe(true);
      }
      expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    });
  });

  it('round-trips lossy formats closely and reads the first GIF frame', async () => {
    await withTmp(async (dir) => {
      const img = gradient(64, 48);
      for (const [ext, floor] of [
        ['jpg', 35],
        ['webp', 30],
        ['avif', 30],
        ['gif', 20],
      ] as const) {
        await writeImage(img, join(dir, `a.${ext}`));
        const back = await readImage(join(dir, `a.${ext}`));
        expect([back.width, back.height]).toEqual([64, 48]);
        expect(psnr(img, back)).toBeGreaterThan(floor);
      }
    });
  });

  it('expands grayscale to RGB and reads from a buffer', async () => {
    const img = await readImage(await readFile(join(SAMPLES, 'camera.png')));
    expect([img.width, img.height, img.data.length]).toEqual([512, 512, 512 * 512 * 3]);
    expect(img.data[0]).toBe(img.data[1]);
    expect(img.data[1]).toBe(img.data[2]);
  });

  it('honours EXIF orientation', async () => {
    const raw = randomImage(40, 20);
    const jpeg = await sharp(Buffer.from(raw.data), { raw: { width: 40, height: 20, channels: 3 } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const img = await readImage(jpeg);
    expect([img.width, img.height]).toEqual([20, 40]);
    // probeImage reports the size readImage decodes to, from the header alone.
    expect(await probeImage(jpeg)).toEqual({
      format: 'jpeg',
      width: 20,
      height: 40,
      channels: 3,
      hasAlpha: false,
      pages: 1,
    });
  });

  it('applies the alpha policy', async () => {
    const rgba = Buffer.alloc(4 * 4 * 4);
    for (let i = 0; i < 16; i++) rgba.set([200, 10, 10, 0], i * 4); // fully transparent
    const png = await sharp(rgba, { raw: { width: 4, height: 4, channels: 4 } })
      .png()
      .toBuffer();
    expect(Array.from((await readImage(png)).data.subarray(0, 3))).toEqual([255, 255, 255]);
    expect(Array.from((await readImage(png, { alpha: 'flatten-black' })).data.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(await probeImage(png)).toMatchObject({ format: 'png', channels: 4, hasAlpha: true });
    await expectCode(readImage(png, { alpha: 'error' }), 'MMTOK_IMAGE_ALPHA');
  });

  it('maps corrupt, unsupported and missing inputs to stable codes naming the file', async () => {
    await withTmp(async (dir) => {
      const good = await readFile(join(SAMPLES, 'rocket.jpg'));
      const truncated = join(dir, 'truncated.jpg');
      await writeFile(truncated, good.subarray(0, good.length / 3));
      const err = await expectCode(readImage(truncated), 'MMTOK_IMAGE_DECODE');
      expect(err.message).toContain(truncated);
      const junk = join(dir, 'junk.png');
      await writeFile(junk, Buffer.from('definitely not an image'));
      expect((await expectCode(readImage(junk), 'MMTOK_IMAGE_FORMAT')).message).toContain(junk);
      const svg = join(dir, 'a.svg');
      await writeFile(svg, '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>');
      await expectCode(readImage(svg), 'MMTOK_IMAGE_FORMAT');
      await expectCode(probeImage(svg), 'MMTOK_IMAGE_FORMAT');
      await expectCode(probeImage(junk), 'MMTOK_IMAGE_FORMAT');
      await expectCode(probeImage(join(dir, 'missing.png')), 'MMTOK_IO');
      await expectCode(readImage(join(dir, 'missing.png')), 'MMTOK_IO');
      await expectCode(writeImage(randomImage(2, 2), join(dir, 'out.bmp')), 'MMTOK_IMAGE_FORMAT');
      await expectCode(writeImage(randomImage(2, 2), join(dir, 'no-such-dir', 'out.png')), 'MMTOK_IO');
      expect((await readdir(dir)).sort()).toEqual(['a.svg', 'junk.png', 'truncated.jpg']);
    });
  });
});
