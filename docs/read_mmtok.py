#!/usr/bin/env python3
"""Read an mmtok token file (.mmtok) with numpy alone.

Usage as a script: python3 read_mmtok.py FILE  -> prints {"header": ..., "indices": [...]} as JSON.
The layout is described in docs/token-file.md.
"""
import json
import struct
import sys
import zlib

import numpy as np

MAGIC = b"\x89MMTOK\r\n"
VERSION = 1
DTYPES = {"uint8": "<u1", "uint16": "<u2", "int32": "<i4"}


def read_mmtok(path):
    """Return (header: dict, indices: np.ndarray of int32 shaped header['shape'])."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:8] != MAGIC:
        raise ValueError(f"{path}: bad magic {raw[:8]!r}, not a .mmtok file (or copied in text mode)")
    if len(raw) < 16:
        raise ValueError(f"{path}: truncated ({len(raw)} bytes)")
    version, header_len = struct.unpack_from("<II", raw, 8)
    if version != VERSION:
        raise ValueError(f"{path}: unsupported token file version {version} (this reader knows {VERSION})")
    header_end = 16 + header_len
    if len(raw) < header_end + 8:
        raise ValueError(f"{path}: truncated in the header")
    if zlib.crc32(raw[:header_end]) != struct.unpack_from("<I", raw, header_end)[0]:
        raise ValueError(f"{path}: header CRC-32 mismatch, the file is corrupted")
    if zlib.crc32(raw[:-4]) != struct.unpack_from("<I", raw, len(raw) - 4)[0]:
        raise ValueError(f"{path}: CRC-32 mismatch, the file is truncated or corrupted")
    header = json.loads(raw[16:header_end].decode("utf-8"))
    dtype = np.dtype(DTYPES[header["dtype"]])
    shape = [int(d) for d in header["shape"]]
    count = int(np.prod(shape, dtype=np.int64))
    payload = raw[header_end + 4:len(raw) - 4]
    if len(payload) != count * dtype.itemsize:
        raise ValueError(f"{path}: payload is {len(payload)} bytes, shape {shape} of {header['dtype']} needs {count * dtype.itemsize}")
    indices = np.frombuffer(payload, dtype=dtype).astype(np.int32).reshape(shape)
    return header, indices


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: read_mmtok.py FILE.mmtok")
    h, idx = read_mmtok(sys.argv[1])
    json.dump({"header": h, "indices": idx.reshape(-1).tolist()}, sys.stdout)
    sys.stdout.write("\n")
