#!/usr/bin/env python3
"""meshc beside its peers on the same generated mesh: time and peak memory of the whole process,
and the ratio to meshc. A benchmark, not a test: it reports, it does not judge.

usage: bench_peers.py MESHC PEERS_DIR WORK_DIR
  MESHC      the meshc command (a release build)
  PEERS_DIR  the peers: gendata.py (the mesh, as data.k, data.jsonnet and msh/), run_peer.sh
             and the same job written in KCL and Jsonnet
  WORK_DIR   where the meshes and outputs go (kept between runs: the data is written once)
Environment: BENCH_SIZES (default "100 1000 10000"), BENCH_RUNS (runs per figure, the median
is shown; default 3), BENCH_PEERS (default "kcl jsonnet jsonnet-rust"), PYTHON (the Python
with the peers' wheels: kcl-lib, gojsonnet, rjsonnet).
"""
import os
import statistics
import subprocess
import sys

from measure import measure

meshc, peers, work = sys.argv[1], sys.argv[2], sys.argv[3]
sizes = [int(n) for n in os.environ.get("BENCH_SIZES", "100 1000 10000").split()]
runs = int(os.environ.get("BENCH_RUNS", "3"))
langs = os.environ.get("BENCH_PEERS", "kcl jsonnet jsonnet-rust").split()
names = {"kcl": "KCL", "jsonnet": "Jsonnet (go-jsonnet)", "jsonnet-rust": "Jsonnet (jrsonnet)"}


def figure(cmd, stdout):
    """The median time, the peak memory, the fastest and slowest times of the runs (on a
    shared machine one run to the next can differ by 2×: the range says how far to trust the
    median), and the median CPU time (steadier than the wall's: a change of a few percent
    shows there first)."""
    samples = [measure(cmd, stdout) for _ in range(runs)]
    times = [s[0] for s in samples]
    cpu = statistics.median(s[2] for s in samples)
    return statistics.median(times), max(s[1] for s in samples), min(times), max(times), cpu


rows = []
for n in sizes:
    d = os.path.join(work, f"mesh{n}")
    # The first call writes the data (once per size) and runs the peer once: a warm-up.
    for lang in langs:
        subprocess.run([os.path.join(peers, "run_peer.sh"), lang, str(n), d], check=True,
                       stdout=subprocess.DEVNULL)
    m = figure([meshc, "build", os.path.join(d, "msh")], os.path.join(d, "meshc.yaml"))
    row = {"n": n, "meshc": m}
    for lang in langs:
        row[lang] = figure([os.path.join(peers, "run_peer.sh"), lang, str(n), d],
                           os.devnull)
    rows.append(row)
    print(f"{n} services: meshc {m[0]:.3f} s ({m[2]:.3f}–{m[3]:.3f}; CPU {m[4]:.3f} s), "
          f"{m[1]:.0f} MiB; "
          + "; ".join(f"{lang} {row[lang][0]:.2f} s ({row[lang][2]:.2f}–{row[lang][3]:.2f}; "
                      f"CPU {row[lang][4]:.2f} s), {row[lang][1]:.0f} MiB" for lang in langs),
          file=sys.stderr)

# The table (Markdown), and each peer's time over meshc's.
print("| | " + " | ".join(f"{n:,} services" for n in sizes) + " |")
print("|---|" + "---|" * len(sizes))
for lang in langs + ["meshc"]:
    name = names.get(lang, lang)
    cells = []
    for r in rows:
        t, mem = r[lang][:2]
        ratio = "" if lang == "meshc" else f" ({t / r['meshc'][0]:.1f}× meshc)"
        cells.append(f"{t:.2f} s, {mem:.0f} MiB{ratio}")
    print(f"| {name} | " + " | ".join(cells) + " |")
if len(sizes) >= 2:
    a, b = rows[-2], rows[-1]
    growth = b["meshc"][0] / a["meshc"][0]
    print(f"\nmeshc from {a['n']:,} to {b['n']:,} services: {growth:.1f}× the time "
          f"({b['n'] / a['n']:.0f}× the services)")
