#!/usr/bin/env python3
"""Read an mmtok token file (.mmtok, version 1 or 2) with numpy alone.

Usage as a script: python3 read_mmtok.py FILE
  -> prints {"header": ..., "indices": [...], "tracks": [{"header": ..., "indices": [...]}, ...]} as JSON.
The layout is described in docs/token-file.md.
"""
import json
import struct
import sys
import zlib

import numpy as np

MAGIC = b"\x89MMTOK\r\n"
VERSIONS = (1, 2)
DTYPES = {"uint8": "<u1", "uint16": "<u2", "int32": "<i4"}


def read_mmtok(path):
    """Return (header, indices, tracks).

    header: dict; indices: np.ndarray of int32 shaped header["shape"];
    tracks: dict name -> (track_header, np.ndarray of int32 shaped track_header["shape"]), in file
    order (empty for version 1 files).
    """
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:8] != MAGIC:
        raise ValueError(f"{path}: bad magic {raw[:8]!r}, not a .mmtok file (or copied in text mode)")
    if len(raw) < 16:
        raise ValueError(f"{path}: truncated ({len(raw)} bytes)")
    version, header_len = struct.unpack_from("<II", raw, 8)
    if version not in VERSIONS:
        raise ValueError(f"{path}: unsupported token file version {version} (this reader knows {VERSIONS})")
    header_end = 16 + header_len
    if len(raw) < header_end + 8:
        raise ValueError(f"{path}: truncated in the header")
    if zlib.crc32(raw[:header_end]) != struct.unpack_from("<I", raw, header_end)[0]:
        raise ValueError(f"{path}: header CRC-32 mismatch, the file is corrupted")
    if zlib.crc32(raw[:-4]) != struct.unpack_from("<I", raw, len(raw) - 4)[0]:
        raise ValueError(f"{path}: CRC-32 mismatch, the file is truncated or corrupted")
    header = json.loads(raw[16:header_end].decode("utf-8"))
    # Version 2: the primary indices, then each track's, every segment padded to 8 bytes.
    parts = [header] + (header["tracks"] if version >= 2 else [])
    pos = header_end + 4
    end = len(raw) - 4
    arrays = []
    for part in parts:
        dtype = np.dtype(DTYPES[part["dtype"]])
        shape = [int(d) for d in part["shape"]]
        size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if pos + size > end:
            raise ValueError(f"{path}: payload too short for shape {shape} of {part['dtype']}")
        arrays.append(np.frombuffer(raw[pos:pos + size], dtype=dtype).astype(np.int32).reshape(shape))
        pos += -(-size // 8) * 8 if version >= 2 else size
    if pos != end:
        raise ValueError(f"{path}: payload is {end - header_end - 4} bytes, the header implies {pos - header_end - 4}")
    tracks = {t["name"]: (t, a) for t, a in zip(parts[1:], arrays[1:])}
    return header, arrays[0], tracks


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: read_mmtok.py FILE.mmtok")
    h, idx, trk = read_mmtok(sys.argv[1])
    out = {"header": h, "indices": idx.reshape(-1).tolist()}
    out["tracks"] = [{"header": th, "indices": a.reshape(-1).tolist()} for th, a in trk.values()]
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
