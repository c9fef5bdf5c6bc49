"""One run of a command, measured: the helper of scripts/bench_peers.py and scripts/ab.py."""
import os
import subprocess
import sys
import time


def measure(cmd, stdout):
    """Wall time, peak resident memory (MiB) and CPU time (user and system, with the children
    it waited for) of one run of cmd, its standard output written to the file stdout; exits if
    the command fails."""
    # A fresh child per run: wait4 gives that child's own peak, not the largest so far.
    start = time.perf_counter()
    with open(stdout, "wb") as out:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{os.path.basename(sys.argv[0])}: {' '.join(cmd)} failed")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
