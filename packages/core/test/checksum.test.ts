/**
 * Checksums against node's own implementations (zlib's CRC-32, OpenSSL's SHA-256), which share
 * no code with ours: the CRC lookup table entry by entry, and digests with leading-zero bytes.
 */
import { createHash } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, sha256Hex } from '../src/index.js';
import { crc32Portable, crc32Table } from '../src/io/checksum.js';

describe('CRC-32', () => {
  it('each table entry is what zlib makes of one byte', () => {
    // One byte b from the initial register 0xffffffff leaves table[b ^ 0xff] ^ 0x00ffffff, and the
    // final xor turns that into table[b ^ 0xff] ^ 0xff000000.
    const table = crc32Table();
    expect(table.length).toBe(256);
    for (let n = 0; n < 256; n++) {
      expect((table[n] ^ 0xff000000) >>> 0, `entry ${n}`).toBe(zlibCrc32(Uint8Array.of(n ^ 0xff)));
    }
  });

  // crc32 is zlib's own under Node; crc32Portable is what browsers run. Both are held to zlib.
  for (const [name, f] of [
    ['crc32', crc32],
    ['crc32Portable', crc32Portable],
  ] as const) {
    it(`${name} matches zlib over every byte value, whole, in chunks, and on a view into a larger buffer`, () => {
      const data = Uint8Array.from({ length: 1031 }, (_, i) => (i * 131 + 7) & 0xff);
      expect(f(data)).toBe(zlibCrc32(data));
      expect(f(data.subarray(700), f(data.subarray(0, 700)))).toBe(zlibCrc32(data));
      expect(f(data.subarray(5, 900))).toBe(zlibCrc32(data.slice(5, 900)));
      expect(f(new Uint8Array(0), 0x1234abcd)).toBe(0x1234abcd);
    });
  }
});

describe('SHA-256', () => {
  it('is the lowercase hex of node:crypto, leading zero nibbles kept', async () => {
    for (const text of ['', 'abc', 'mmtok codebook weights', 'x'.repeat(1000)]) {
      const bytes = new TextEncoder().encode(text);
      const expected = createHash('sha256').update(bytes).digest('hex');
      expect(await sha256Hex(bytes)).toBe(expected);
    }
    // 'abc' has the bytes 0x01 and 0x00 in its digest (8f01…f20015ad): a dropped pad shortens it.
    expect((await sha256Hex(new TextEncoder().encode('abc'))).length).toBe(64);
  });
});
