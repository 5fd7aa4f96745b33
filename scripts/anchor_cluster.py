#!/usr/bin/env python3
"""Anchor for crates/bench/src/bin/cluster.rs: datasketch MinHash LSH over the same shingles
as ours (the Rust side writes them, one line of integer shingle ids per recommendation),
the same number of permutations and the same Jaccard threshold. Prints one JSON object:
the seconds taken to hash and index every recommendation and query each one, and the
candidate pairs [i, j] (i < j) whose both ends are in the sample (every SAMPLE_EVERY-th
recommendation), which the Rust side scores against exact Jaccard.

Usage: python3 scripts/anchor_cluster.py SHINGLES_FILE NUM_PERM THRESHOLD SAMPLE_EVERY

Installs datasketch from PyPI into a venv under the cargo target dir when it is missing,
and downloads nothing else.
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "anchor-venv")


def ensure_datasketch():
    try:
        import datasketch  # noqa: F401
        return
    except ImportError:
        pass
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        sys.exit("datasketch is still missing inside " + VENV)
    import subprocess
    python = os.path.join(VENV, "bin", "python3")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True, stdout=sys.stderr)
    if subprocess.run([python, "-c", "import datasketch"], stderr=subprocess.DEVNULL).returncode != 0:
        subprocess.run([python, "-m", "pip", "install", "--quiet", "datasketch"], check=True, stdout=sys.stderr)
    os.execv(python, [python] + sys.argv)


ensure_datasketch()

import json  # noqa: E402
import time  # noqa: E402
from importlib.metadata import version  # noqa: E402

from datasketch import MinHash, MinHashLSH  # noqa: E402


def main():
    path, num_perm, threshold, sample_every = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    with open(path) as f:
        shingles = [[s.encode() for s in line.split()] for line in f]
    start = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    hashes = []
    for i, s in enumerate(shingles):
        m = MinHash(num_perm=num_perm)
        m.update_batch(s)
        lsh.insert(i, m)
        hashes.append(m)
    pairs = set()
    for i, m in enumerate(hashes):
        for j in lsh.query(m):
            if j != i:
                pairs.add((min(i, j), max(i, j)))
    seconds = time.perf_counter() - start
    sampled = sorted(p for p in pairs if p[0] % sample_every == 0 and p[1] % sample_every == 0)
    print(json.dumps({
        "datasketch": version("datasketch"),
        "params": list(lsh.b_r) if hasattr(lsh, "b_r") else [lsh.b, lsh.r],
        "seconds": seconds,
        "n_pairs": len(pairs),
        "pairs": sampled,
    }))


main()
