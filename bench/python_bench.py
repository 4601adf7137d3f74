# SPDX-License-Identifier: Apache-2.0
"""The three figures of bench/python.sh; run by it, in a virtualenv holding omsig."""

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time

import omsig

ap = argparse.ArgumentParser()
for a in ("--root", "--omsig", "--work"):
    ap.add_argument(a, required=True)
ap.add_argument("--size", type=float, default=3)
ap.add_argument("--four-size", type=int, default=512)
ap.add_argument("--runs", type=int, default=5)
args = ap.parse_args()
pki = os.path.join(args.root, "testdata", "pki")
pub, key = os.path.join(pki, "p256.pub.pem"), os.path.join(pki, "p256.key.pem")


def median_time(fn, runs):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def make_model(path, total_bytes, files):
    os.makedirs(path)
    for i in range(files):
        with open(os.path.join(path, f"part-{i}.bin"), "wb") as f:
            left = total_bytes // files
            while left:
                n = min(left, 64 << 20)
                f.write(os.urandom(n))
                left -= n
    sig = path + ".sig"
    subprocess.run([args.omsig, "sign", "key", path, "--signature", sig, "--private_key", key],
                   check=True, capture_output=True)
    return sig


print(f"omsig {omsig.__version__} ({omsig.build_features().strip()}), "
      f"Python {sys.version.split()[0]}, {os.cpu_count()} cores")

# 1. the tiny sample model, in-process, against model_signing's API
nested = os.path.join(args.root, "testdata", "interop", "models", "nested")
nested_sig = os.path.join(args.root, "testdata", "interop", "bundles", "nested.sig")
site = os.environ.get("OMSIG_REFERENCE_SITE")
if site:
    sys.path.append(site)
    import model_signing

    def ref_verify():
        model_signing.verifying.Config().use_elliptic_key_verifier(public_key=pub).verify(
            nested, nested_sig)

    def our_verify():
        omsig.verify(nested, nested_sig, public_key=pub)

    ref_verify(), our_verify()
    n = 50
    t_ref = median_time(lambda: [ref_verify() for _ in range(n)], 3) / n
    t_our = median_time(lambda: [our_verify() for _ in range(n)], 3) / n
    print(f"1. tiny model in-process: model_signing {t_ref * 1e3:.2f} ms, omsig {t_our * 1e3:.3f} ms"
          f" per verify: {t_ref / t_our:.0f}x")
else:
    print("1. tiny model in-process: left out (no model_signing in tests/.venv)")

# 2. a large model: the binding against the CLI, runs alternated
big = os.path.join(args.work, "big")
big_sig = make_model(big, int(args.size * (1 << 30)), 3)
cli = [args.omsig, "verify", "key", big, "--signature", big_sig, "--public_key", pub]
subprocess.run(cli, check=True, capture_output=True)  # into the page cache
t_cli, t_py = [], []
for _ in range(args.runs):
    t_cli.append(median_time(lambda: subprocess.run(cli, check=True, capture_output=True), 1))
    t_py.append(median_time(lambda: omsig.verify(big, big_sig, public_key=pub), 1))
c, p = statistics.median(t_cli), statistics.median(t_py)
print(f"2. {args.size:g} GiB model: omsig CLI {c:.3f} s, omsig.verify {p:.3f} s "
      f"(median of {args.runs}): binding/CLI {p / c:.3f}")
os.system(f"rm -rf {big} {big_sig}")

# 3. four models from four threads against one after another (one hashing thread each)
models = [make_model(os.path.join(args.work, f"m{i}"), args.four_size << 20, 2)
          for i in range(4)]


def one(i):
    omsig.verify(os.path.join(args.work, f"m{i}"), models[i], public_key=pub, threads=1)


for i in range(4):
    one(i)


def together():
    ts = [threading.Thread(target=one, args=(i,)) for i in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


seq, par = [], []
for _ in range(args.runs):
    seq.append(median_time(lambda: [one(i) for i in range(4)], 1))
    par.append(median_time(together, 1))
s, q = statistics.median(seq), statistics.median(par)
print(f"3. four {args.four_size} MiB models: one after another {s:.3f} s, four threads {q:.3f} s "
      f"(median of {args.runs}): {s / q:.2f}x")
