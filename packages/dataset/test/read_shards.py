#!/usr/bin/env python3
"""Read a dataset folder's shard tars with Python's tarfile and numpy alone.

Usage: read_shards.py DATASET_DIR
  -> prints JSON: {"members": [{"shard", "name", "size", "mtime", "uid", "gid", "uname", "gname", "mode"}...],
                   "samples": {key: {"shape": [...], "indices": [...], "tokenizer": {...}, "json": {...}, "text": {...}}}}
Token files are parsed by docs/read_mmtok.py (the documented .mmtok format).
"""
import json
import os
import sys
import tarfile
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs"))
from read_mmtok import read_mmtok  # noqa: E402


def main(root):
    members, samples = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for shard in sorted(f for f in os.listdir(root) if f.startswith("shard-") and f.endswith(".tar")):
            with tarfile.open(os.path.join(root, shard), "r:") as tar:
                for m in tar.getmembers():
                    members.append({"shard": shard, "name": m.name, "size": m.size, "mtime": m.mtime, "uid": m.uid,
                                    "gid": m.gid, "uname": m.uname, "gname": m.gname, "mode": m.mode})
                    key, ext = m.name.split(".", 1)
                    body = tar.extractfile(m).read()
                    sample = samples.setdefault(key, {"text": {}})
                    if ext == "mmtok":
                        path = os.path.join(tmp, "t.mmtok")
                        with open(path, "wb") as f:
                            f.write(body)
                        header, indices, _ = read_mmtok(path)
                        sample["shape"] = list(indices.shape)
                        sample["indices"] = indices.reshape(-1).tolist()
                        sample["tokenizer"] = header["tokenizer"]
                    elif ext == "json":
                        sample["json"] = json.loads(body)
                    else:
                        sample["text"][ext] = body.decode("utf-8")
    print(json.dumps({"members": members, "samples": samples}))


if __name__ == "__main__":
    main(sys.argv[1])
