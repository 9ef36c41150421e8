import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  crc32,
  decodeTokenFile,
  encodeTokenFile,
  MmtokError,
  Random,
  TOKEN_FILE_MAGIC,
  type TokenDtype,
  type TokenFileInput,
} from '../src/index.js';
import { readTokenFile, writeTokenFile } from '../src/node.js';
import { runSeed } from './helpers.js';

const seed = runSeed('token-file');
const rng = new Random(seed);
const dir = mkdtempSync(join(tmpdir(), 'mmtok-tokens-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const reader = join(dirname(fileURLToPath(import.meta.url)), '../../../docs/read_mmtok.py');

function errorOf(fn: () => unknown): MmtokError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MmtokError);
    return e as MmtokError;
  }
  throw new Error('expected an MmtokError');
}

/** Random tokens of a given layout; `dropped` sprinkles -1 (dropped residual levels). */
function sample(codebookSize: number, shape: number[], dropped = false): TokenFileInput {
  const n = shape.reduce((a, b) => a * b, 1);
  const indices = new Int32Array(n);
  for (let i = 0; i < n; i++) indices[i] = dropped && rng.next() < 0.1 ? -1 : rng.int(codebookSize);
  // "Dropped" must drop at least one level, whatever the draw.
  if (dropped) indices[rng.int(n)] = -1;
  return {
    header: {
      tokenizer: { name: 'test-tok', version: '1.2.3', hash: `sha256:${rng.int(1e9).toString(16)}` },
      modality: 'image',
      shape,
      codebookSize,
      source: {
        width: 64 + rng.int(100),
        height: 48 + rng.int(100),
        path: 'ünïcode ✓.png',
        crop: { left: rng.int(10), top: 0, size: [32, 32] },
        note: null,
      },
      createdBy: 'mmtok test',
    },
    indices,
  };
}

/** A video token file with an audio track (RVQ, 2 levels) and a small metadata track of another dtype. */
function withTracks(): TokenFileInput {
  const video = sample(1000, [3, 2, 3, 1]);
  const audioShape = [2, 5 + rng.int(7)];
  const audio = sample(300, audioShape);
  const extraShape = [1 + rng.int(5)];
  const extra = sample(70000, extraShape);
  return {
    header: {
      ...video.header,
      modality: 'video',
      source: { width: 64, height: 48, fps: 25, frames: 3, duration: 0.12 },
    },
    indices: video.indices,
    tracks: [
      {
        header: {
          name: 'audio',
          modality: 'audio',
          tokenizer: audio.header.tokenizer,
          shape: audioShape,
          codebookSize: 300,
          source: { sampleRate: 16000, channels: 1, samples: 1920, duration: 0.12 },
        },
        indices: audio.indices,
      },
      {
        header: {
          name: 'extra',
          modality: 'audio',
          tokenizer: extra.header.tokenizer,
          shape: extraShape,
          dtype: 'int32',
        },
        indices: extra.indices,
      },
    ],
  };
}

function valid(): Uint8Array {
  return encodeTokenFile(sample(1000, [5, 7, 3]));
}

describe('token file round trip', () => {
  const cases: { size: number; dropped: boolean; dtype: TokenDtype }[] = [
    { size: 256, dropped: false, dtype: 'uint8' },
    { size: 257, dropped: false, dtype: 'uint16' },
    { size: 65536, dropped: false, dtype: 'uint16' },
    { size: 65537, dropped: false, dtype: 'int32' },
    { size: 2 ** 31 - 1, dropped: false, dtype: 'int32' },
    { size: 16, dropped: true, dtype: 'int32' },
  ];
  for (const { size, dropped, dtype } of cases) {
    it(`codebook ${size}${dropped ? ' with dropped levels' : ''} → ${dtype}`, () => {
      const shape = [1 + rng.int(9), 1 + rng.int(9), 1 + rng.int(4)];
      const input = sample(size, shape, dropped);
      const bytes = encodeTokenFile(input);
      const { header, indices } = decodeTokenFile(bytes);
      expect(header.dtype).toBe(dtype);
      expect(header.shape).toEqual(shape);
      expect(header.tokenizer).toEqual(input.header.tokenizer);
      expect(header.source).toEqual(input.header.source);
      expect(header.codebookSize).toBe(size);
      expect(Array.from(indices)).toEqual(Array.from(input.indices));
      // The payload starts 8-aligned: 16 fixed bytes + N + 4 header CRC bytes.
      expect((16 + new DataView(bytes.buffer).getUint32(12, true) + 4) % 8).toBe(0);
      // Deterministic bytes: the same input writes the same file.
      expect(encodeTokenFile(input)).toEqual(bytes);
    });
  }

  it('without a codebook size the data picks the dtype; a given wider dtype is kept', () => {
    const indices = Int32Array.of(3, 200, 7);
    const header = { tokenizer: { name: 'a', version: '1', hash: 'h' }, modality: 'audio' as const, shape: [3] };
    expect(decodeTokenFile(encodeTokenFile({ header, indices })).header.dtype).toBe('uint8');
    const wide = decodeTokenFile(encodeTokenFile({ header: { ...header, dtype: 'int32' }, indices }));
    expect(wide.header.dtype).toBe('int32');
    expect(Array.from(wide.indices)).toEqual([3, 200, 7]);
    expect(
      errorOf(() => encodeTokenFile({ header: { ...header, dtype: 'uint8' }, indices: Int32Array.of(300) })).code,
    ).toBe('MMTOK_TOKEN_FILE');
  });

  it('decodes from an unaligned view of a larger buffer', () => {
    const input = sample(70000, [4, 4, 2]);
    const bytes = encodeTokenFile(input);
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 3);
    expect(Array.from(decodeTokenFile(big.subarray(3)).indices)).toEqual(Array.from(input.indices));
  });

  it('rejects bad inputs when writing', () => {
    const input = sample(10, [2, 2]);
    expect(errorOf(() => encodeTokenFile({ ...input, indices: new Int32Array(3) })).code).toBe('MMTOK_SHAPE');
    expect(errorOf(() => encodeTokenFile({ ...input, indices: Int32Array.of(0, 1, 2, 10) })).code).toBe(
      'MMTOK_INDEX_RANGE',
    );
    expect(errorOf(() => encodeTokenFile({ ...input, indices: Int32Array.of(0, 1, 2, -2) })).code).toBe(
      'MMTOK_INDEX_RANGE',
    );
    const badModality = { ...input, header: { ...input.header, modality: 'text' as 'image' } };
    expect(errorOf(() => encodeTokenFile(badModality)).code).toBe('MMTOK_TOKEN_FILE');
  });
});

describe('token file failures', () => {
  it('truncated at every region says where', () => {
    const bytes = valid();
    const headerLength = new DataView(bytes.buffer).getUint32(12, true);
    const payloadStart = 16 + headerLength + 4;
    const crcStart = bytes.length - 4;
    const expectRegion = (len: number, region: string, word: RegExp) => {
      const e = errorOf(() => decodeTokenFile(bytes.subarray(0, len)));
      expect(e.code, `length ${len}`).toBe('MMTOK_TOKEN_FILE');
      expect(e.details?.region, `length ${len}: ${e.message}`).toBe(region);
      expect(e.message).toMatch(word);
    };
    // Every prefix length, each expected in its region.
    for (let len = 0; len < bytes.length; len++) {
      if (len < 8) expectRegion(len, 'magic', /truncated/);
      else if (len < payloadStart) expectRegion(len, 'header', /truncated/);
      else if (len < crcStart) expectRegion(len, 'payload', /truncated/);
      else expectRegion(len, 'crc', /truncated/);
    }
  });

  it('a flipped bit anywhere in the header text, payload or CRC is MMTOK_CHECKSUM', () => {
    const bytes = valid();
    const headerLength = new DataView(bytes.buffer).getUint32(12, true);
    for (let trial = 0; trial < 200; trial++) {
      const at = 16 + rng.int(bytes.length - 16);
      const copy = bytes.slice();
      copy[at] ^= 1 << rng.int(8);
      const e = errorOf(() => decodeTokenFile(copy));
      expect(e.code, `byte ${at} (header ${headerLength}): ${e.message}`).toBe('MMTOK_CHECKSUM');
    }
  });

  it('wrong magic, and a text-mode copy, are MMTOK_TOKEN_FILE naming the magic', () => {
    const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array(40).fill(0));
    const e = errorOf(() => decodeTokenFile(png));
    expect(e.code).toBe('MMTOK_TOKEN_FILE');
    expect(e.message).toMatch(/not a \.mmtok token file/);
    // CR LF → LF, as a text-mode transfer does.
    const bytes = valid();
    const crlf = Uint8Array.from([...bytes.subarray(0, 6), 0x0a, ...bytes.subarray(8)]);
    const t = errorOf(() => decodeTokenFile(crlf));
    expect(t.code).toBe('MMTOK_TOKEN_FILE');
    expect(t.message).toMatch(/text mode/);
    expect(errorOf(() => decodeTokenFile(deflateSync(bytes))).code).toBe('MMTOK_TOKEN_FILE');
  });

  it('a future version is MMTOK_TOKEN_FILE naming the version', () => {
    const bytes = valid();
    new DataView(bytes.buffer).setUint32(8, 3, true);
    new DataView(bytes.buffer).setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
    const e = errorOf(() => decodeTokenFile(bytes));
    expect(e.code).toBe('MMTOK_TOKEN_FILE');
    expect(e.details?.region).toBe('version');
    expect(e.message).toMatch(/unknown format version 3.*upgrade/);
  });

  /** A file with a hand-written header and payload and a correct CRC: structural checks alone. */
  function craft(header: string, payload: Uint8Array): Uint8Array {
    const json = new TextEncoder().encode(header);
    const out = new Uint8Array(16 + json.length + 4 + payload.length + 4);
    const view = new DataView(out.buffer);
    out.set(TOKEN_FILE_MAGIC);
    view.setUint32(8, 1, true);
    view.setUint32(12, json.length, true);
    out.set(json, 16);
    view.setUint32(16 + json.length, crc32(out.subarray(0, 16 + json.length)), true);
    out.set(payload, 16 + json.length + 4);
    view.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
    return out;
  }
  const good = { tokenizer: { name: 'a', version: '1', hash: 'h' }, modality: 'image', shape: [2, 2], source: {} };

  it('a checksummed file with bad header JSON, fields, or a shape/payload mismatch says which', () => {
    const cases: [string, Uint8Array, RegExp][] = [
      ['{"tokenizer":', new Uint8Array(4), /bad header: not valid UTF-8 JSON/],
      [JSON.stringify({ ...good, dtype: 'float32' }), new Uint8Array(4), /header\.dtype/],
      [JSON.stringify({ ...good, dtype: 'uint8', modality: 'text' }), new Uint8Array(4), /header\.modality/],
      [JSON.stringify({ ...good, dtype: 'uint8', shape: [2, -1] }), new Uint8Array(4), /header\.shape/],
      [JSON.stringify({ ...good, dtype: 'uint8', tokenizer: { name: 'a' } }), new Uint8Array(4), /tokenizer\.version/],
      [JSON.stringify({ ...good, dtype: 'uint8' }), new Uint8Array(5), /shape\/payload size mismatch/],
      [JSON.stringify({ ...good, dtype: 'uint16' }), new Uint8Array(4), /shape\/payload size mismatch/],
    ];
    for (const [header, payload, message] of cases) {
      const e = errorOf(() => decodeTokenFile(craft(header, payload)));
      expect(e.code, header).toBe('MMTOK_TOKEN_FILE');
      expect(e.message, header).toMatch(message);
    }
    const nonFinite = encodeTokenFile.bind(null, {
      header: { ...good, modality: 'image', source: { crop: { left: Number.NaN } } },
      indices: Int32Array.of(0, 1, 2, 3),
    } as never);
    expect(errorOf(nonFinite).message).toMatch(/header\.source\.crop\.left must be JSON/);
    // An index out of range is MMTOK_INDEX_RANGE whatever the dtype, as when writing.
    const range: [string, Uint8Array, RegExp][] = [
      [JSON.stringify({ ...good, dtype: 'uint8', codebookSize: 4 }), Uint8Array.of(0, 1, 2, 4), /index 4/],
      [
        JSON.stringify({ ...good, dtype: 'uint16', codebookSize: 300, shape: [2] }),
        Uint8Array.of(0x2c, 0x01, 0, 0),
        /index 300/,
      ],
      [JSON.stringify({ ...good, dtype: 'int32', shape: [1] }), Uint8Array.of(0xfe, 0xff, 0xff, 0xff), /index -2/],
    ];
    for (const [header, payload, message] of range) {
      const e = errorOf(() => decodeTokenFile(craft(header, payload)));
      expect(e.code, header).toBe('MMTOK_INDEX_RANGE');
      expect(e.message, header).toMatch(message);
    }
    // The crafted helper itself writes readable files (unpadded header, unknown keys ignored).
    const ok = decodeTokenFile(
      craft(JSON.stringify({ ...good, dtype: 'uint8', future: 1 }), Uint8Array.of(1, 2, 3, 4)),
    );
    expect(Array.from(ok.indices)).toEqual([1, 2, 3, 4]);
  });

  it('trailing bytes after a valid file are reported as such', () => {
    const bytes = valid();
    const e = errorOf(() => decodeTokenFile(Uint8Array.from([...bytes, 0, 0])));
    expect(e.code).toBe('MMTOK_TOKEN_FILE');
    expect(e.message).toMatch(/2 unexpected bytes after the CRC/);
  });
});

describe('token files on disk and from Python', () => {
  it('writeTokenFile is atomic-by-rename and readTokenFile errors name the path', async () => {
    const input = sample(300, [3, 4, 2]);
    const path = join(dir, 'a.mmtok');
    await writeTokenFile(path, input);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(Array.from((await readTokenFile(path)).indices)).toEqual(Array.from(input.indices));
    const broken = readFileSync(path);
    writeFileSync(join(dir, 'cut.mmtok'), broken.subarray(0, broken.length - 10));
    await expect(readTokenFile(join(dir, 'cut.mmtok'))).rejects.toMatchObject({
      code: 'MMTOK_TOKEN_FILE',
      message: expect.stringContaining('cut.mmtok'),
    });
    await expect(readTokenFile(join(dir, 'missing.mmtok'))).rejects.toMatchObject({ code: 'MMTOK_IO' });
    await expect(writeTokenFile(join(dir, 'no', 'such', 'dir.mmtok'), input)).rejects.toMatchObject({
      code: 'MMTOK_IO',
    });
  });

  it('crc32 matches the CRC-32/IEEE check value and zlib', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    const data = new TextEncoder().encode('hello, world');
    expect(crc32(data.subarray(5), crc32(data.subarray(0, 5)))).toBe(crc32(data));
  });

  it('docs/read_mmtok.py reads every dtype identically, and rejects a corrupted file', () => {
    const inputs = [
      sample(200, [2, 3, 4]),
      sample(5000, [6, 5, 1]),
      sample(100000, [3, 3]),
      sample(8, [4, 4, 3], true),
    ];
    for (const [i, input] of inputs.entries()) {
      const path = join(dir, `py${i}.mmtok`);
      writeFileSync(path, encodeTokenFile(input));
      const out = JSON.parse(execFileSync('/usr/bin/python3', [reader, path], { encoding: 'utf8' }));
      const ours = decodeTokenFile(readFileSync(path));
      expect(out.header).toEqual(ours.header);
      expect(out.indices).toEqual(Array.from(input.indices));
      expect(out.tracks).toEqual([]);
    }
    // Version 2: tracks of other dtypes, each segment read from its 8-aligned offset.
    const multi = withTracks();
    const path = join(dir, 'py-tracks.mmtok');
    writeFileSync(path, encodeTokenFile(multi));
    const out = JSON.parse(execFileSync('/usr/bin/python3', [reader, path], { encoding: 'utf8' }));
    const ours = decodeTokenFile(readFileSync(path));
    expect(out.header).toEqual(ours.header);
    expect(out.indices).toEqual(Array.from(multi.indices));
    expect(out.tracks.map((t: { header: unknown }) => t.header)).toEqual(ours.tracks.map((t) => t.header));
    expect(out.tracks.map((t: { indices: number[] }) => t.indices)).toEqual(
      multi.tracks!.map((t) => Array.from(t.indices)),
    );
    const bytes = encodeTokenFile(inputs[0]);
    bytes[bytes.length - 7] ^= 0x40;
    writeFileSync(join(dir, 'bad.mmtok'), bytes);
    expect(() =>
      execFileSync('/usr/bin/python3', [reader, join(dir, 'bad.mmtok')], { encoding: 'utf8', stdio: 'pipe' }),
    ).toThrow(/CRC-32 mismatch/);
  });
});

describe('token file tracks (version 2)', () => {
  it('round-trips a video with an audio track and another track, each segment 8-aligned', () => {
    const input = withTracks();
    const bytes = encodeTokenFile(input);
    const view = new DataView(bytes.buffer);
    expect(view.getUint32(8, true)).toBe(2);
    const file = decodeTokenFile(bytes);
    expect(file.header.modality).toBe('video');
    expect(Array.from(file.indices)).toEqual(Array.from(input.indices));
    expect(file.tracks.map((t) => t.header.name)).toEqual(['audio', 'extra']);
    expect(file.header.tracks).toEqual(file.tracks.map((t) => t.header));
    expect(file.tracks[0].header.dtype).toBe('uint16');
    expect(file.tracks[1].header.dtype).toBe('int32');
    expect(file.tracks[0].header.source).toEqual(input.tracks![0].header.source);
    expect(file.tracks[1].header.source).toEqual({});
    for (const [i, t] of file.tracks.entries())
      expect(Array.from(t.indices)).toEqual(Array.from(input.tracks![i].indices));
    // Exact layout: segments back to back, each padded to a multiple of 8, then the CRC.
    const headerLength = view.getUint32(12, true);
    const pad8 = (n: number) => Math.ceil(n / 8) * 8;
    const video = input.indices.length * 2;
    const audio = input.tracks![0].indices.length * 2;
    const extra = input.tracks![1].indices.length * 4;
    expect(bytes.length).toBe(24 + headerLength + pad8(video) + pad8(audio) + pad8(extra));
    const audioStart = 20 + headerLength + pad8(video);
    expect(audioStart % 8).toBe(0);
    expect(view.getUint16(audioStart, true)).toBe(input.tracks![0].indices[0]);
    expect(encodeTokenFile(input)).toEqual(bytes);
    // The same file without tracks is version 1, byte-identical to a file written without `tracks`.
    const plain = encodeTokenFile({ header: input.header, indices: input.indices, tracks: [] });
    expect(new DataView(plain.buffer).getUint32(8, true)).toBe(1);
    expect(plain).toEqual(encodeTokenFile({ header: input.header, indices: input.indices }));
    expect(decodeTokenFile(plain).tracks).toEqual([]);
    expect(decodeTokenFile(plain).header.tracks).toBeUndefined();
  });

  it('truncation inside a track names the track; every prefix fails in its region', () => {
    const input = withTracks();
    const bytes = encodeTokenFile(input);
    const headerLength = new DataView(bytes.buffer).getUint32(12, true);
    const pad8 = (n: number) => Math.ceil(n / 8) * 8;
    const audioStart = 20 + headerLength + pad8(input.indices.length * 2);
    const audioEnd = audioStart + pad8(input.tracks![0].indices.length * 2);
    const e = errorOf(() => decodeTokenFile(bytes.subarray(0, audioStart + 3)));
    expect(e.code).toBe('MMTOK_TOKEN_FILE');
    expect(e.details).toMatchObject({ region: 'payload', track: 'audio' });
    expect(e.message).toMatch(/truncated in the payload of track 'audio'/);
    expect(errorOf(() => decodeTokenFile(bytes.subarray(0, audioEnd + 1))).details).toMatchObject({ track: 'extra' });
    for (let len = 20 + headerLength; len < bytes.length; len++) {
      const f = errorOf(() => decodeTokenFile(bytes.subarray(0, len)));
      expect(f.code).toBe('MMTOK_TOKEN_FILE');
      expect(f.details?.region).toBe(len < bytes.length - 4 ? 'payload' : 'crc');
    }
  });

  it('a flipped bit in a track or its padding is MMTOK_CHECKSUM', () => {
    const input = withTracks();
    const bytes = encodeTokenFile(input);
    const headerLength = new DataView(bytes.buffer).getUint32(12, true);
    const trackStart = 20 + headerLength + Math.ceil((input.indices.length * 2) / 8) * 8;
    for (let trial = 0; trial < 100; trial++) {
      const at = trackStart + rng.int(bytes.length - 4 - trackStart);
      const copy = bytes.slice();
      copy[at] ^= 1 << rng.int(8);
      expect(errorOf(() => decodeTokenFile(copy)).code).toBe('MMTOK_CHECKSUM');
    }
  });

  it('rejects bad tracks when writing and reading', () => {
    const input = withTracks();
    const [audio, extra] = input.tracks!;
    const write = (tracks: TokenFileInput['tracks']) => errorOf(() => encodeTokenFile({ ...input, tracks }));
    expect(write([audio, { ...extra, header: { ...extra.header, name: 'audio' } }]).message).toMatch(/two tracks/);
    expect(write([{ ...audio, header: { ...audio.header, name: '' } }]).code).toBe('MMTOK_TOKEN_FILE');
    expect(write([{ ...audio, indices: audio.indices.subarray(1) }]).code).toBe('MMTOK_SHAPE');
    expect(write([{ ...audio, indices: Int32Array.of(...audio.indices.subarray(1), 300) }]).code).toBe(
      'MMTOK_INDEX_RANGE',
    );
    // A version 2 file must list its tracks.
    const v1 = encodeTokenFile({ header: input.header, indices: input.indices });
    const view = new DataView(v1.buffer);
    view.setUint32(8, 2, true);
    const headerEnd = 16 + view.getUint32(12, true);
    view.setUint32(headerEnd, crc32(v1.subarray(0, headerEnd)), true);
    view.setUint32(v1.length - 4, crc32(v1.subarray(0, v1.length - 4)), true);
    const e = errorOf(() => decodeTokenFile(v1));
    expect(e.code).toBe('MMTOK_TOKEN_FILE');
    expect(e.message).toMatch(/header\.tracks/);
  });
});
