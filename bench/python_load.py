# SPDX-License-Identifier: Apache-2.0
"""Verified load from Python against safetensors' own loader (run by bench/python_load.sh).

Three ways to load the same safetensors model, each timed in a fresh process, runs
alternated, medians reported with their ratios:
  (a) safetensors.numpy.load_file of every file (no verification);
  (b) `omsig verify`, then (a);
  (c) omsig.load_safetensors: verified and loaded from one read.
Peak memory of each process (ru_maxrss) is reported beside the arrays' size plus the read
buffers (the ring) that verified load adds.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

RING = 256 << 20  # omsig's default read buffers in flight (options.buffer_size)


def make_model(model, size, files):
    """files safetensors files of random F32 tensors (64 MiB each, and a few small ones)."""
    os.makedirs(model, exist_ok=True)
    each = size // files
    for i in range(files):
        entries, at, k = {}, 0, 0
        while at < each:
            n = min(64 << 20, each - at) // 4 * 4
            if n == 0:
                break
            entries[f"layers.{i}.{k}.weight"] = {"dtype": "F32", "shape": [n // 4],
                                                 "data_offsets": [at, at + n]}
            at += n
            k += 1
        entries[f"layers.{i}.norm"] = {"dtype": "F16", "shape": [4096],
                                       "data_offsets": [at, at + 8192]}
        at += 8192
        h = json.dumps(entries).encode()
        h += b" " * (-len(h) % 8)
        path = os.path.join(model, f"model-{i + 1:05d}-of-{files:05d}.safetensors")
        with open(path, "wb") as f:
            f.write(len(h).to_bytes(8, "little") + h)
            left = at
            while left:
                n = min(left, 16 << 20)
                f.write(os.urandom(n))
                left -= n
    with open(os.path.join(model, "config.json"), "w") as f:
        f.write('{"architectures": ["bench"]}\n')


def child(args):
    """One load in this process: prints seconds, peak RSS before and after, array bytes."""
    import numpy  # noqa: F401  (imported before the baseline is taken)
    import safetensors.numpy as st

    import omsig
    files = sorted(os.path.join(args.model, f) for f in os.listdir(args.model)
                   if f.endswith(".safetensors"))
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss << 10
    t0 = time.perf_counter()
    if args.child == "verified":
        out = omsig.load_safetensors(args.model, args.sig, public_key=args.pub)
    else:
        if args.child == "verify-then-load":
            subprocess.run([args.omsig, "verify", "key", args.model, "--signature", args.sig,
                            "--public_key", args.pub], check=True, stdout=subprocess.DEVNULL)
        out = {}
        for f in files:
            out.update(st.load_file(f))
    t = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss << 10
    print(json.dumps({"seconds": t, "base": base, "peak": peak,
                      "arrays": sum(a.nbytes for a in out.values())}))


def drop_caches():
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


def warm(model):
    for f in sorted(os.listdir(model)):
        with open(os.path.join(model, f), "rb") as fh:
            while fh.read(64 << 20):
                pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--sig", required=True)
    ap.add_argument("--pub", required=True)
    ap.add_argument("--omsig", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--cold", action="store_true")
    ap.add_argument("--make", nargs=2, type=int, metavar=("BYTES", "FILES"))
    ap.add_argument("--child")
    args = ap.parse_args()
    if args.child:
        return child(args)
    if args.make:
        make_model(args.model, *args.make)
        return None
    ways = ["load", "verify-then-load", "verified"]
    got = {w: [] for w in ways}
    for r in range(args.runs):
        order = ways[r % 3:] + ways[:r % 3]  # alternated: each way runs first in turn
        for w in order:
            drop_caches() if args.cold else warm(args.model)
            p = subprocess.run([sys.executable, __file__, "--child", w, "--model", args.model,
                                "--sig", args.sig, "--pub", args.pub, "--omsig", args.omsig],
                               check=True, capture_output=True, text=True)
            got[w].append(json.loads(p.stdout))
    med = {w: statistics.median(x["seconds"] for x in got[w]) for w in ways}
    size = got["load"][0]["arrays"]
    gb = size / 1e9
    print(f"model: {args.model}, {size / 2**30:.2f} GiB of tensors, "
          f"{'cold (drop_caches before each run)' if args.cold else 'hot (page cache)'}, "
          f"median of {args.runs} runs alternated, {os.cpu_count()} cores")
    names = {"load": "(a) safetensors.numpy.load_file",
             "verify-then-load": "(b) omsig verify, then (a)",
             "verified": "(c) omsig.load_safetensors"}
    for w in ways:
        peak = max(x["peak"] for x in got[w])
        base = max(x["base"] for x in got[w])
        runs = " ".join("%.3f" % x["seconds"] for x in got[w])
        print(f"{names[w]:<36} {med[w]:7.3f} s  {gb / med[w]:5.2f} GB/s  "
              f"peak RSS {peak / 2**20:6.0f} MiB (interpreter {base / 2**20:.0f} MiB)  "
              f"runs: {runs}")
    print(f"(c)/(a) = {med['verified'] / med['load']:.2f}  (target <= 1.15)")
    print(f"(c)/(b) = {med['verified'] / med['verify-then-load']:.2f}  (target <= 0.6 cold)")
    peak = max(x["peak"] - x["base"] for x in got["verified"])
    print(f"(c) peak RSS above the interpreter: {peak / 2**20:.0f} MiB; arrays + ring: "
          f"{(size + RING) / 2**20:.0f} MiB ({size / 2**20:.0f} + {RING >> 20})")
    return None


if __name__ == "__main__":
    main()
