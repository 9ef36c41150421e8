/**
 * What each token-file refusal says and where it points (code, details.region, the numbers in the
 * message): the format spec in docs/token-file.md names these regions, and the CLI prints these
 * messages. Files are built byte by byte here, with CRCs from node:zlib, not by the writer.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeTokenFile, encodeTokenFile, MmtokError, TOKEN_FILE_MAGIC, type TokenFileInput } from '../src/index.js';

const MAGIC = Array.from(TOKEN_FILE_MAGIC);
const good = { tokenizer: { name: 'a', version: '1', hash: 'h' }, modality: 'image', source: {} };

/** The MmtokError `fn` throws, its message without the "CODE: " prefix every MmtokError has. */
function errorOf(fn: () => unknown): { code: string; details?: Record<string, unknown>; message: string } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MmtokError);
    const { code, details, message } = e as MmtokError;
    expect(message.startsWith(`${code}: `), message).toBe(true);
    return { code, details: details as Record<string, unknown> | undefined, message: message.slice(code.length + 2) };
  }
  throw new Error('expected an MmtokError');
}

/**
 * magic, version, header length, header bytes, header CRC, payload, file CRC; `headerLength`
 * overrides the length field, `tail` replaces the file CRC (undefined: the correct one).
 */
function file(
  header: string | Uint8Array,
  payload: number[],
  o: { version?: number; headerLength?: number; tail?: number[] } = {},
): Uint8Array {
  const json = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const head = new Uint8Array(16 + json.length);
  head.set(MAGIC);
  const view = new DataView(head.buffer);
  view.setUint32(8, o.version ?? 1, true);
  view.setUint32(12, o.headerLength ?? json.length, true);
  head.set(json, 16);
  const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
  const body = [...head, ...le32(zlibCrc32(head)), ...payload];
  return Uint8Array.from([...body, ...(o.tail ?? le32(zlibCrc32(Uint8Array.from(body))))]);
}

const h = (fields: Record<string, unknown>) => JSON.stringify({ ...good, ...fields });

describe('token-file decode refusals', () => {
  it('not bytes, another format, a damaged magic: region magic, first bytes in hex', () => {
    const notBytes = errorOf(() => decodeTokenFile([1, 2, 3] as never));
    expect([notBytes.code, notBytes.details?.region]).toEqual(['MMTOK_TOKEN_FILE', 'magic']);
    expect(notBytes.message).toBe('expected the bytes of a token file (Uint8Array)');
    const zip = errorOf(() => decodeTokenFile(Uint8Array.of(0x50, 0x4b, 3, 4, 0x0a, 0, 0, 0, 0, 0)));
    expect(zip.details?.region).toBe('magic');
    expect(zip.message).toBe(
      'bad magic: its first bytes (50 4b 03 04 0a 00 00 00) are not the mmtok magic 89 4d 4d 54 4f 4b 0d 0a; it is not a .mmtok token file',
    );
    const seven = errorOf(() => decodeTokenFile(Uint8Array.of(0x09, ...MAGIC.slice(1), 1, 0, 0, 0)));
    expect(seven.message).toMatch(/^bad magic: its first bytes \(09 4d 4d 54 4f 4b 0d 0a\) are a damaged mmtok magic/);
  });

  it('a short fixed header and a header past the end say how many bytes there are', () => {
    const twelve = errorOf(() => decodeTokenFile(Uint8Array.of(...MAGIC, 1, 0, 0, 0)));
    expect(twelve.details?.region).toBe('header');
    expect(twelve.message).toBe('truncated in the fixed header: the file has only 12 of its first 16 bytes');
    // Exactly the 16 fixed bytes: the fixed header is whole, the JSON is what is missing.
    const sixteen = errorOf(() => decodeTokenFile(Uint8Array.of(...MAGIC, 1, 0, 0, 0, 2, 0, 0, 0)));
    expect(sixteen.message).toBe(
      'truncated in the header: it needs 2 JSON bytes and a 4-byte CRC, the file ends after 0',
    );
    const twenty = errorOf(() => decodeTokenFile(Uint8Array.of(...MAGIC, 1, 0, 0, 0, 9, 0, 0, 0, 0x7b, 0, 0, 0)));
    expect(twenty.message).toMatch(/needs 9 JSON bytes and a 4-byte CRC, the file ends after 4$/);
  });

  it('versions other than 1 and 2 name themselves; only newer ones suggest upgrading', () => {
    const body = h({ dtype: 'uint8', shape: [1] });
    const v3 = errorOf(() => decodeTokenFile(file(body, [0], { version: 3 })));
    expect([v3.details?.region, v3.details?.version]).toEqual(['version', 3]);
    expect(v3.message).toBe(
      'unknown format version 3; this build reads versions 1 and 2 (written by a newer mmtok? upgrade to read it)',
    );
    const v0 = errorOf(() => decodeTokenFile(file(body, [0], { version: 0 })));
    expect(v0.message).toBe('unknown format version 0; this build reads versions 1 and 2');
  });

  it('a header length over 16 MiB is corruption, exactly 16 MiB is only truncation', () => {
    const over = errorOf(() => decodeTokenFile(file('{}', [], { headerLength: 16 * 1024 * 1024 + 1 })));
    expect(over.details?.region).toBe('header');
    expect(over.message).toBe('header length 16777217 is more than 16777216 bytes; the file is corrupted');
    const limit = errorOf(() => decodeTokenFile(file('{}', [], { headerLength: 16 * 1024 * 1024 })));
    expect(limit.message).toMatch(/^truncated in the header: it needs 16777216 JSON bytes/);
  });

  it('a header CRC mismatch, and a file CRC mismatch, are MMTOK_CHECKSUM in region crc', () => {
    const bytes = file(h({ dtype: 'uint8', shape: [1] }), [7]);
    const header = bytes.slice();
    header[20] ^= 0x20;
    const eh = errorOf(() => decodeTokenFile(header));
    expect([eh.code, eh.details?.region]).toEqual(['MMTOK_CHECKSUM', 'crc']);
    expect(eh.message).toBe(
      'CRC-32 mismatch: the token file is corrupted (the header CRC does not match); re-create or re-copy it',
    );
    const payload = file(h({ dtype: 'uint8', shape: [1] }), [7], { tail: [0, 0, 0, 0] });
    const ep = errorOf(() => decodeTokenFile(payload));
    expect([ep.code, ep.details?.region]).toEqual(['MMTOK_CHECKSUM', 'crc']);
    expect(ep.message).toBe('CRC-32 mismatch: the token file is corrupted; re-create or re-copy it');
    // Longer than the header implies and no CRC where it should end: corruption, with both lengths.
    const longer = errorOf(() =>
      decodeTokenFile(file(h({ dtype: 'uint8', shape: [1] }), [7, 8], { tail: [1, 2, 3, 4, 5] })),
    );
    expect(longer.code).toBe('MMTOK_CHECKSUM');
    expect(longer.message).toMatch(/\(the file is \d+ bytes, its header implies \d+\)/);
  });

  it('header JSON that is not UTF-8, or not an object, is refused as the writer’s fault', () => {
    // A lone 0xff inside a JSON string: a lenient decoder would read U+FFFD and accept the file.
    const json = new TextEncoder().encode(h({ dtype: 'uint8', shape: [1], createdBy: 'x' }));
    const at = json.indexOf(0x78); // the 'x' of createdBy
    json[at] = 0xff;
    const utf8 = errorOf(() => decodeTokenFile(file(json, [0])));
    expect([utf8.code, utf8.details?.region]).toEqual(['MMTOK_TOKEN_FILE', 'header']);
    expect(utf8.message).toBe('bad header: not valid UTF-8 JSON');
    for (const notObject of ['null', '[]', '"image"', '7']) {
      const e = errorOf(() => decodeTokenFile(file(notObject, [])));
      expect(e.message, notObject).toBe('bad header: the header is not a JSON object');
    }
    for (const source of [null, [1], 'png']) {
      const e = errorOf(() => decodeTokenFile(file(h({ dtype: 'uint8', shape: [1], source }), [0])));
      expect(e.message, JSON.stringify(source)).toBe('bad header: header.source must be an object');
    }
    const createdBy = errorOf(() => decodeTokenFile(file(h({ dtype: 'uint8', shape: [1], createdBy: 5 }), [0])));
    expect(createdBy.message).toBe('bad header: header.createdBy must be a string');
  });

  it('field messages list the allowed values', () => {
    const modality = errorOf(() => decodeTokenFile(file(h({ dtype: 'uint8', shape: [1], modality: 'text' }), [0])));
    expect(modality.message).toBe('bad header: header.modality must be one of image, audio, video, got "text"');
    expect(modality.details).toStrictEqual({ region: 'header' });
    const dtype = errorOf(() => decodeTokenFile(file(h({ dtype: 'float32', shape: [1] }), [0, 0, 0, 0])));
    expect(dtype.message).toBe('bad header: header.dtype must be one of uint8, uint16, int32, got "float32"');
    for (const cs of [0, 2 ** 31, 1.5, '4']) {
      const e = errorOf(() => decodeTokenFile(file(h({ dtype: 'uint8', shape: [1], codebookSize: cs }), [0])));
      expect(e.message, String(cs)).toBe(
        `bad header: header.codebookSize must be an integer in [1, 2147483647], got ${JSON.stringify(cs)}`,
      );
    }
  });

  it('version 2 tracks: missing, not objects, unnamed, or with a bad field name their index', () => {
    const base = { dtype: 'uint8', shape: [1] };
    const track = { ...good, name: 't', dtype: 'uint8', shape: [1] };
    const v2 = (tracks: unknown) => errorOf(() => decodeTokenFile(file(h({ ...base, tracks }), [0], { version: 2 })));
    for (const tracks of [undefined, [], {}]) {
      expect(v2(tracks).message).toBe('bad header: header.tracks must be a non-empty array in a version 2 file');
    }
    for (const t of [null, 'audio', [track]]) {
      expect(v2([t]).message).toBe('bad header: header.tracks[0] must be an object');
    }
    for (const name of ['', 3, undefined]) {
      expect(v2([{ ...track, name }]).message).toBe('bad header: header.tracks[0].name must be a non-empty string');
    }
    expect(v2([track, { ...track, name: 'u', modality: 'text' }]).message).toMatch(
      /^bad header: header\.tracks\[1\]\.modality must be one of/,
    );
  });

  it('payload size and truncation messages give the shapes and byte counts', () => {
    const mismatch = errorOf(() => decodeTokenFile(file(h({ dtype: 'uint16', shape: [2, 2] }), [1, 2, 3])));
    expect(mismatch.details?.region).toBe('payload');
    expect(mismatch.message).toBe(
      'shape/payload size mismatch: shape [2,2] of uint16 needs 8 payload bytes, the file holds 3',
    );
    const bytes = file(h({ dtype: 'uint8', shape: [6] }), [1, 2, 3, 4, 5, 6]);
    const cut = errorOf(() => decodeTokenFile(bytes.subarray(0, bytes.length - 7)));
    expect(cut.details).toStrictEqual({ region: 'payload' });
    expect(cut.message).toBe(`truncated in the payload: 6 bytes expected, 3 present (${bytes.length} bytes in all)`);
    const crc = errorOf(() => decodeTokenFile(bytes.subarray(0, bytes.length - 2)));
    expect(crc.details?.region).toBe('crc');
    expect(crc.message).toBe('truncated in the CRC: 2 of its 4 bytes are missing');
    const extra = errorOf(() => decodeTokenFile(Uint8Array.from([...bytes, 0, 0, 0])));
    expect(extra.details?.region).toBe('crc');
    expect(extra.message).toBe(
      `3 unexpected bytes after the CRC (file of ${bytes.length + 3} bytes, ${bytes.length} expected)`,
    );
  });

  it('a file with only a CRC after the header is a size mismatch; a cut at a track boundary names the track', () => {
    const empty = errorOf(() => decodeTokenFile(file(h({ dtype: 'uint8', shape: [2] }), [])));
    expect(empty.message).toBe(
      'shape/payload size mismatch: shape [2] of uint8 needs 2 payload bytes, the file holds 0',
    );
    const track = { ...good, name: 't', dtype: 'uint8', shape: [8] };
    const v2 = file(h({ dtype: 'uint8', shape: [8], tracks: [track] }), new Array(16).fill(1), { version: 2 });
    const cut = errorOf(() => decodeTokenFile(v2.subarray(0, v2.length - 12)));
    const short = file(h({ dtype: 'uint8', shape: [8], tracks: [track] }), new Array(8).fill(1), { version: 2 });
    expect(errorOf(() => decodeTokenFile(short)).message).toBe(
      'shape/payload size mismatch: shape [8] of uint8 + [8] of uint8 needs 16 payload bytes, the file holds 8',
    );
    expect(cut.details).toStrictEqual({ region: 'payload', track: 't' });
    expect(cut.message).toBe(
      `truncated in the payload of track 't': 16 bytes expected, 8 present (${v2.length} bytes in all)`,
    );
  });

  it('an index out of range names its position and the valid range, with or without a codebook size', () => {
    const sized = errorOf(() => decodeTokenFile(file(h({ dtype: 'uint8', shape: [3], codebookSize: 8 }), [1, 9, 2])));
    expect(sized.code).toBe('MMTOK_INDEX_RANGE');
    expect(sized.details).toStrictEqual({ region: 'payload', position: 1, value: 9 });
    expect(sized.message).toBe('index 9 at position 1 is outside [-1, 7]');
    const track = { ...good, name: 't', dtype: 'uint8', shape: [2], codebookSize: 4 };
    const payload = [0, 0, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 0, 0, 0, 0];
    const inTrack = errorOf(() =>
      decodeTokenFile(file(h({ dtype: 'uint8', shape: [1], tracks: [track] }), payload, { version: 2 })),
    );
    expect(inTrack.details).toStrictEqual({ region: 'payload', position: 1, value: 4, track: 't' });
    expect(inTrack.message).toBe("index 4 at position 1 of track 't' is outside [-1, 3]");
    const unsized = errorOf(() => decodeTokenFile(file(h({ dtype: 'int32', shape: [1] }), [0xfe, 0xff, 0xff, 0xff])));
    expect(unsized.message).toBe('index -2 at position 0 is outside [-1, 2147483647]');
  });

  it('optional header keys are absent after decoding when the file lacks them, kept when it has them', () => {
    const bare = decodeTokenFile(file(h({ dtype: 'uint8', shape: [1] }), [0])).header;
    expect(Object.keys(bare).sort()).toEqual(['dtype', 'modality', 'shape', 'source', 'tokenizer']);
    const full = decodeTokenFile(file(h({ dtype: 'uint8', shape: [1], codebookSize: 1, createdBy: 'me' }), [0])).header;
    expect([full.codebookSize, full.createdBy]).toEqual([1, 'me']);
    const track = { ...good, name: 't', dtype: 'uint8', shape: [1] };
    const v2 = decodeTokenFile(
      file(h({ dtype: 'uint8', shape: [1], tracks: [track] }), new Array(16).fill(0), { version: 2 }),
    );
    expect(Object.keys(v2.tracks[0].header).sort()).toEqual([
      'dtype',
      'modality',
      'name',
      'shape',
      'source',
      'tokenizer',
    ]);
    // A zero-length dimension is a valid (empty) shape.
    expect(decodeTokenFile(file(h({ dtype: 'uint8', shape: [0, 3] }), [])).indices.length).toBe(0);
  });

  it('reads uint16 and int32 payloads from a view at an odd offset (no aligned typed view possible)', () => {
    const u16 = file(h({ dtype: 'uint16', shape: [3] }), [1, 0, 0x2c, 0x01, 0xff, 0xff]);
    const i32 = file(h({ dtype: 'int32', shape: [2] }), [0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x01, 0x00]);
    for (const [bytes, want] of [
      [u16, [1, 300, 65535]],
      [i32, [-1, 65536]],
    ] as const) {
      // Shift the file so that its payload lands at an odd address of the buffer.
      const payloadStart = 16 + new DataView(bytes.buffer).getUint32(12, true) + 4;
      const shift = (5 - (payloadStart % 4)) % 4;
      const big = new Uint8Array(bytes.length + shift);
      big.set(bytes, shift);
      expect((shift + payloadStart) % 4).toBe(1);
      expect(Array.from(decodeTokenFile(big.subarray(shift)).indices)).toEqual(want);
    }
  });
});

describe('token-file encode refusals', () => {
  const input: TokenFileInput = {
    header: { ...good, modality: 'image', shape: [2, 2], codebookSize: 8 },
    indices: Int32Array.of(0, 1, 2, 3),
  };

  it('indices that are not an Int32Array are MMTOK_SHAPE', () => {
    const e = errorOf(() => encodeTokenFile({ ...input, indices: [0, 1, 2, 3] as never }));
    expect([e.code, e.message]).toEqual(['MMTOK_SHAPE', 'token file indices must be an Int32Array']);
  });

  it('out-of-range indices name the position, the value and the range', () => {
    const sized = errorOf(() => encodeTokenFile({ ...input, indices: Int32Array.of(0, 1, 8, 3) }));
    expect(sized.details).toStrictEqual({ position: 2, value: 8 });
    expect(sized.message).toBe('token file: index 8 at position 2 is outside [-1, 7]');
    const { codebookSize: _, ...unsized } = input.header;
    const neg = errorOf(() => encodeTokenFile({ header: unsized, indices: Int32Array.of(0, -2, 1, 1) }));
    expect(neg.message).toBe('token file: index -2 at position 1 is outside [-1, 2147483647]');
    const track = errorOf(() =>
      encodeTokenFile({
        ...input,
        tracks: [
          {
            header: { ...good, modality: 'audio', name: 'mic', shape: [1], codebookSize: 2 },
            indices: Int32Array.of(5),
          },
        ],
      }),
    );
    expect(track.message).toBe('track "mic": index 5 at position 0 is outside [-1, 1]');
  });

  it('a dtype too narrow for the indices says which one is needed', () => {
    const e = errorOf(() =>
      encodeTokenFile({ header: { ...input.header, codebookSize: 300, dtype: 'uint8' }, indices: input.indices }),
    );
    expect([e.code, e.details]).toEqual(['MMTOK_TOKEN_FILE', { region: 'header' }]);
    expect(e.message).toBe("token file: dtype 'uint8' cannot hold these indices; 'uint16' is needed");
  });

  it('header and shape problems name the header field or the track', () => {
    const modality = errorOf(() =>
      encodeTokenFile({ ...input, header: { ...input.header, modality: 'text' as 'image' } }),
    );
    expect(modality.message).toMatch(/^cannot write a token file: header\.modality must be one of image, audio, video/);
    expect(modality.details).toStrictEqual({ region: 'header' });
    const shape = errorOf(() => encodeTokenFile({ ...input, indices: Int32Array.of(0, 1, 2) }));
    expect([shape.code, shape.message]).toEqual(['MMTOK_SHAPE', 'token shape [2,2] holds 4 indices but 3 were given']);
    // The largest dimension the format allows passes the field check and fails on the count.
    const huge = errorOf(() => encodeTokenFile({ ...input, header: { ...input.header, shape: [2 ** 31 - 1] } }));
    expect(huge.message).toBe('token shape [2147483647] holds 2147483647 indices but 4 were given');
    const track = errorOf(() =>
      encodeTokenFile({
        ...input,
        tracks: [{ header: { ...good, modality: 'audio', name: 'mic', shape: [3] }, indices: Int32Array.of(1) }],
      }),
    );
    expect(track.message).toBe("track 'mic' shape [3] holds 3 indices but 1 were given");
    const unnamed = errorOf(() =>
      encodeTokenFile({ ...input, tracks: [{ header: { ...good, shape: [1] } as never, indices: Int32Array.of(-2) }] }),
    );
    expect(unnamed.message).toBe('track "": index -2 at position 0 is outside [-1, 2147483647]');
  });

  it('a missing header, or a track without one, is MMTOK_TOKEN_FILE, not a TypeError', () => {
    for (const [file, message] of [
      [{ indices: input.indices }, 'cannot write a token file: header must be an object'],
      [{ ...input, header: [] }, 'cannot write a token file: header must be an object'],
      [
        { ...input, tracks: [{ indices: Int32Array.of(1) }] },
        'cannot write a token file: tracks[0].header must be an object',
      ],
      [
        { ...input, tracks: [{ header: null, indices: Int32Array.of(1) }] },
        'cannot write a token file: tracks[0].header must be an object',
      ],
    ] as const) {
      const e = errorOf(() => encodeTokenFile(file as never));
      expect([e.code, e.message, e.details]).toEqual(['MMTOK_TOKEN_FILE', message, { region: 'header' }]);
    }
  });

  it('source values JSON cannot carry are refused by path, however deep or late', () => {
    const refuse = (source: unknown) =>
      errorOf(() => encodeTokenFile({ ...input, header: { ...input.header, source: source as never } })).message;
    expect(refuse({ ok: 1, late: Number.POSITIVE_INFINITY })).toMatch(
      /^cannot write a token file: header\.source\.late must be JSON/,
    );
    expect(refuse({ a: { b: [1, Number.NaN] } })).toMatch(/header\.source\.a\.b\[1\] must be JSON/);
    expect(refuse({ f: undefined })).toMatch(/header\.source\.f must be JSON/);
  });

  it('a header over 16 MiB is refused before allocating the file', () => {
    const e = errorOf(() =>
      encodeTokenFile({ ...input, header: { ...input.header, source: { note: 'x'.repeat(16 * 1024 * 1024) } } }),
    );
    expect(e.details?.region).toBe('header');
    expect(e.message).toMatch(/^the header is \d+ bytes, more than 16777216$/);
  });

  it('pads the header with at most 7 spaces, so the payload starts at the next multiple of 8', () => {
    for (let extra = 0; extra < 8; extra++) {
      const bytes = encodeTokenFile({ ...input, header: { ...input.header, createdBy: 'x'.repeat(extra) } });
      const headerLength = new DataView(bytes.buffer).getUint32(12, true);
      const json = new TextDecoder().decode(bytes.subarray(16, 16 + headerLength));
      const padding = json.length - json.trimEnd().length;
      expect(padding, `createdBy of ${extra}`).toBeLessThan(8);
      expect((16 + headerLength + 4) % 8).toBe(0);
    }
  });
});
