#!/usr/bin/env python3
"""Walk a Hugging Face cache folder the way huggingface_hub documents it, with the standard library only.

    <cache>/models--org--name/refs/<revision>            -> a commit hash
    <cache>/models--org--name/snapshots/<commit>/<path>  -> relative symlink to ../../blobs/<etag>
    <cache>/models--org--name/blobs/<etag>               -> sha256 of the bytes (LFS) or git blob sha1 (small files)
    <cache>/models--org--name/.no_exist/<commit>/<path>  -> empty marker

Prints JSON {"repos": {...}, "errors": [...]} and exits 1 if any rule is broken.
Usage: walk_hf_cache.py <cache_dir>
"""
import hashlib
import json
import os
import re
import sys

SHA256 = re.compile(r"^[0-9a-f]{64}$")
SHA1 = re.compile(r"^[0-9a-f]{40}$")


def files_under(root):
    out = []
    for folder, _, names in os.walk(root):
        for name in names:
            out.append(os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/"))
    return sorted(out)


def walk(cache):
    repos, errors = {}, []
    for entry in sorted(os.listdir(cache)):
        if not entry.startswith("models--"):
            continue
        root = os.path.join(cache, entry)
        repo = entry[len("models--"):].replace("--", "/")
        refs = {}
        for ref in files_under(os.path.join(root, "refs")):
            with open(os.path.join(root, "refs", ref)) as f:
                commit = f.read()
            refs[ref] = commit
            if not SHA1.match(commit):
                errors.append(f"{repo}: refs/{ref} holds {commit!r}, not a commit hash")
            elif not os.path.isdir(os.path.join(root, "snapshots", commit)) and not os.path.isdir(
                os.path.join(root, ".no_exist", commit)
            ):
                errors.append(f"{repo}: refs/{ref} names {commit}, which has no snapshot")
        snapshots = {}
        snap_root = os.path.join(root, "snapshots")
        for commit in sorted(os.listdir(snap_root)) if os.path.isdir(snap_root) else []:
            files = {}
            for path in files_under(os.path.join(snap_root, commit)):
                pointer = os.path.join(snap_root, commit, path)
                if not os.path.islink(pointer):
                    errors.append(f"{repo}@{commit}/{path}: not a symlink")
                    continue
                target = os.readlink(pointer)
                if os.path.isabs(target):
                    errors.append(f"{repo}@{commit}/{path}: absolute link {target}")
                blob = os.path.normpath(os.path.join(os.path.dirname(pointer), target))
                if os.path.dirname(blob) != os.path.join(root, "blobs"):
                    errors.append(f"{repo}@{commit}/{path}: links to {blob}, outside blobs/")
                    continue
                with open(blob, "rb") as f:
                    data = f.read()
                etag = os.path.basename(blob)
                sha256 = hashlib.sha256(data).hexdigest()
                git_sha1 = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
                if SHA256.match(etag) and etag != sha256:
                    errors.append(f"{repo}@{commit}/{path}: LFS blob {etag} has sha256 {sha256}")
                elif SHA1.match(etag) and etag != git_sha1:
                    errors.append(f"{repo}@{commit}/{path}: blob {etag} has git sha1 {git_sha1}")
                elif not SHA256.match(etag) and not SHA1.match(etag):
                    errors.append(f"{repo}@{commit}/{path}: blob name {etag} is not an etag")
                files[path] = {"blob": etag, "size": len(data), "sha256": sha256}
            snapshots[commit] = files
        no_exist = {}
        missing_root = os.path.join(root, ".no_exist")
        for commit in sorted(os.listdir(missing_root)) if os.path.isdir(missing_root) else []:
            no_exist[commit] = files_under(os.path.join(missing_root, commit))
        blobs = sorted(os.listdir(os.path.join(root, "blobs"))) if os.path.isdir(os.path.join(root, "blobs")) else []
        repos[repo] = {"refs": refs, "snapshots": snapshots, "no_exist": no_exist, "blobs": blobs}
    return repos, errors


if __name__ == "__main__":
    repos, errors = walk(sys.argv[1])
    print(json.dumps({"repos": repos, "errors": errors}, indent=1, sort_keys=True))
    sys.exit(1 if errors else 0)
