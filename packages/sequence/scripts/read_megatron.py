#!/usr/bin/env python3
"""Reads a Megatron-LM indexed dataset (<prefix>.idx + <prefix>.bin) with numpy alone, written
from the format's documentation (Megatron-LM megatron/core/datasets/readme.md and the _IndexWriter
of indexed_dataset.py), independently of mmtok's writer. Prints JSON:
{"dtype", "version", "sequence_count", "document_count", "lengths", "pointers", "document_indices",
 "documents": [[ids of document 0], ...]}.

Usage: read_megatron.py <prefix>
"""
import json
import struct
import sys

import numpy as np

# Megatron's DType codes.
DTYPES = {1: np.uint8, 2: np.int8, 3: np.int16, 4: np.int32, 5: np.int64, 6: np.float64, 7: np.float32, 8: np.uint16}


def read(prefix):
    with open(prefix + ".idx", "rb") as f:
        idx = f.read()
    assert idx[:9] == b"MMIDIDX\x00\x00", "bad magic"
    (version,) = struct.unpack_from("<Q", idx, 9)
    (code,) = struct.unpack_from("<B", idx, 17)
    seq_count, doc_count = struct.unpack_from("<QQ", idx, 18)
    offset = 34
    lengths = np.frombuffer(idx, dtype=np.int32, count=seq_count, offset=offset)
    offset += lengths.nbytes
    pointers = np.frombuffer(idx, dtype=np.int64, count=seq_count, offset=offset)
    offset += pointers.nbytes
    doc_idx = np.frombuffer(idx, dtype=np.int64, count=doc_count, offset=offset)
    offset += doc_idx.nbytes
    assert offset == len(idx), "trailing bytes in the index"
    dtype = DTYPES[code]
    data = np.memmap(prefix + ".bin", dtype=np.uint8, mode="r")
    itemsize = np.dtype(dtype).itemsize
    docs = []
    for d in range(doc_count - 1):
        ids = []
        for s in range(doc_idx[d], doc_idx[d + 1]):
            start = int(pointers[s])
            ids.extend(np.frombuffer(data, dtype=dtype, count=int(lengths[s]), offset=start).tolist())
        docs.append(ids)
    assert int(pointers[-1]) + int(lengths[-1]) * itemsize == len(data) if seq_count else True, "bin size"
    return {
        "dtype": np.dtype(dtype).name,
        "version": version,
        "sequence_count": seq_count,
        "document_count": doc_count,
        "lengths": lengths.tolist(),
        "pointers": pointers.tolist(),
        "document_indices": doc_idx.tolist(),
        "documents": docs,
    }


if __name__ == "__main__":
    print(json.dumps(read(sys.argv[1])))
