#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""What one `omsig verify` of the sample model (testdata/interop/models/nested) costs as a
process, start-up included, against `model_signing verify` of the same model: each program is
started N times per round, the programs alternating round by round, and each run's wall-clock
time (spawn to exit) and CPU time (the child's user + system, from wait4) are kept; the table
gives their medians over all rounds.

Usage: bench/startup.py [--omsig PATH]... [--model-signing PATH] [--runs N] [--rounds R]
                        [--peer-runs N]
Several --omsig (builds before and after a change, CUDA on and off) are measured in the same
rounds.  model_signing defaults to tests/.venv/bin/model_signing when that exists."""
import argparse, os, statistics, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARGS = ["verify", "key", "testdata/interop/models/nested",
        "--signature", "testdata/interop/bundles/nested.sig",
        "--public_key", "testdata/pki/p256.pub.pem"]


def run_once(argv, devnull):
    """(wall seconds, CPU seconds) of one run; exits on a failed verify."""
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ,
                         file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1)])
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("bench/startup.py: %s failed (exit %d)" % (" ".join(argv), os.waitstatus_to_exitcode(status)))
    return wall, ru.ru_utime + ru.ru_stime


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--omsig", action="append", help="an omsig program (repeatable)")
    p.add_argument("--model-signing", default=os.path.join(ROOT, "tests/.venv/bin/model_signing"))
    p.add_argument("--runs", type=int, default=200, help="omsig runs per round")
    p.add_argument("--peer-runs", type=int, default=10, help="model_signing runs per round")
    p.add_argument("--rounds", type=int, default=5)
    a = p.parse_args()
    os.chdir(ROOT)
    progs = [(os.path.abspath(x), a.runs) for x in (a.omsig or [os.path.join(ROOT, "build/omsig")])]
    if os.access(a.model_signing, os.X_OK):
        progs.append((a.model_signing, a.peer_runs))
    else:
        print("model_signing not found at %s: left out" % a.model_signing, file=sys.stderr)
    walls = {prog: [] for prog, _ in progs}
    cpus = {prog: [] for prog, _ in progs}
    devnull = os.open(os.devnull, os.O_WRONLY)
    for r in range(a.rounds):
        for prog, n in (progs if r % 2 == 0 else progs[::-1]):
            for _ in range(n):
                w, c = run_once([prog] + ARGS, devnull)
                walls[prog].append(w)
                cpus[prog].append(c)
    peer = a.model_signing if a.model_signing in walls else None
    print("| program | runs | wall, median | CPU, median | model_signing / this, wall |")
    print("|---|---:|---:|---:|---:|")
    for prog, _ in progs:
        w, c = statistics.median(walls[prog]), statistics.median(cpus[prog])
        ratio = "%.0fx" % (statistics.median(walls[peer]) / w) if peer and prog != peer else "-"
        name = os.path.relpath(prog, ROOT) if prog.startswith(ROOT) else prog
        print("| %s | %d | %.2f ms | %.2f ms | %s |" % (name, len(walls[prog]), w * 1e3, c * 1e3, ratio))


if __name__ == "__main__":
    main()
