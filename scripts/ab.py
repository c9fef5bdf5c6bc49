#!/usr/bin/env python3
"""Two (or more) builds of meshc compared on one package, run in turn: a benchmark, not a test.

On a shared machine one run to the next varies by more than most changes gain, and a batch
of runs minutes later differs from the batch before: runs of the builds taken alternately
meet the same conditions, and their medians compare. Each figure is the median (and the
fastest) wall time, the median CPU time (user and system: steadier than the wall's) and the
median peak resident memory of `BINARY build PACKAGE`, its YAML written to a file.

usage: scripts/ab.py [-n RUNS] PACKAGE BINARY BINARY...
  PACKAGE  a directory of .msh files (or one file), e.g. a mesh of ../shared/peers/gendata.py
  BINARY   a meshc command, e.g. a copy of target/release/meshc from each revision
  -n RUNS  runs of each binary (default 10)
"""
import argparse
import os
import statistics
import sys
import tempfile

from measure import measure


def run(binary, package, out):
    """Wall time, CPU time and peak resident memory (MiB) of one build."""
    wall, rss, cpu = measure([binary, "build", package], out)
    return wall, cpu, rss


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--runs", type=int, default=10)
    ap.add_argument("package")
    ap.add_argument("binaries", nargs="+")
    args = ap.parse_args()
    samples = {b: [] for b in args.binaries}
    with tempfile.TemporaryDirectory() as tmp:
        outputs = {b: os.path.join(tmp, f"{i}.yaml") for i, b in enumerate(args.binaries)}
        for b in args.binaries:  # a warm-up: the files in the page cache, the binaries loaded
            run(b, args.package, outputs[b])
        for _ in range(args.runs):
            for b in args.binaries:
                samples[b].append(run(b, args.package, outputs[b]))
        texts = {open(o, "rb").read() for o in outputs.values()}
    width = max(len(b) for b in args.binaries)
    for b, s in samples.items():
        wall = [x[0] for x in s]
        print(f"{b:<{width}}  wall {statistics.median(wall):.3f} s (fastest {min(wall):.3f})"
              f"  CPU {statistics.median(x[1] for x in s):.3f} s"
              f"  {statistics.median(x[2] for x in s):.0f} MiB")
    if len(texts) > 1:
        print("ab: the builds wrote different YAML", file=sys.stderr)


if __name__ == "__main__":
    main()
