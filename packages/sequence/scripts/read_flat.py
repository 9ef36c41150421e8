#!/usr/bin/env python3
"""Reads mmtok's flat exports with numpy alone: a nanoGPT-style raw .bin (dtype given, as
nanoGPT's train.py memmaps it) or a .npy (numpy.load). Prints {"dtype", "ids"} as JSON.

Usage: read_flat.py <file.bin> <uint16|uint32>   |   read_flat.py <file.npy>
"""
import json
import sys

import numpy as np

path = sys.argv[1]
if path.endswith(".npy"):
    ids = np.load(path)
else:
    ids = np.memmap(path, dtype=np.dtype(sys.argv[2]), mode="r")
print(json.dumps({"dtype": ids.dtype.name, "shape": list(ids.shape), "ids": ids.tolist()}))
