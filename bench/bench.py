#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""omsig's benchmark harness: generates models of known shapes from a fixed seed, signs them
with omsig, verifies them with omsig per engine and with the peers (model_signing 1.1.1 when
tests/.venv has it, sha256sum, parallel openssl dgst), and reports each run's throughput with
its ratio to the bound measured in the same run."""
import argparse, csv, json, os, random, shutil, statistics, subprocess, sys, time

def log(*a):
    print(*a, file=sys.stderr, flush=True)

def parse_size(s):
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    s = s.strip().upper().rstrip("B").rstrip("I")
    return int(float(s[:-1]) * mult[s[-1]]) if s[-1] in mult else int(s)

def write_file(path, size, rng):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    block = rng.randbytes(1 << 20)
    with open(path, "wb") as f:
        left = size
        while left > 0:
            n = min(left, len(block))
            f.write(block[:n])
            block = block[1:] + block[:1]  # cheap: every MiB differs from the last
            left -= n

def make_shapes(base, size, quick):
    """shape name -> (directory, files, shard size or None, what it stands for)."""
    rng = random.Random(20261122)
    n_small = 2000 if quick else 100000
    shapes = {
        "llm": ("few large files: an NGC-style LLM checkpoint", [("model-%05d.safetensors" % i, size // 4) for i in range(4)], None),
        "dataset": ("many small files: a dataset-like tree", [("d%03d/f%05d.bin" % (i // 1000, i), 4096) for i in range(n_small)], None),
        "huge": ("one huge file", [("weights.bin", size)], None),
        "sharded": ("one large file signed with small shards", [("weights.bin", size)], max(1 << 20, size // 64)),
    }
    out = {}
    for name, (what, files, shard) in shapes.items():
        d = os.path.join(base, name)
        stamp = os.path.join(base, name + ".ok")
        want = json.dumps(files)
        if not (os.path.exists(stamp) and open(stamp).read() == want):
            shutil.rmtree(d, ignore_errors=True)
            log(f"generating {name}: {len(files)} files, {sum(s for _, s in files) / 1e9:.2f} GB")
            for rel, s in files:
                write_file(os.path.join(d, rel), s, rng)
            open(stamp, "w").write(want)
        out[name] = (d, files, shard, what)
    return out

def timed(cmd, env=None):
    """Runs cmd; returns (seconds, peak RSS MiB, exit code)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.monotonic() - t0
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    rc = os.waitstatus_to_exitcode(status)
    if rc != 0:
        log(f"  exit {rc}: {' '.join(cmd)[:200]}: {err[:300]}")
    return dt, ru.ru_maxrss / 1024, rc

def drop_caches():
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False

def warm(d):
    subprocess.run(["sh", "-c", f"find '{d}' -type f -print0 | xargs -0 cat > /dev/null"], check=False)

def single_core_rate(tmp):
    """Single-stream OpenSSL SHA-256 rate in GB/s, from a 256 MiB file in the page cache."""
    p = os.path.join(tmp, "rate.bin")
    write_file(p, 256 << 20, random.Random(1))
    warm(tmp)
    best = min(timed(["openssl", "dgst", "-sha256", p])[0] for _ in range(3))
    os.unlink(p)
    return (256 << 20) / best / 1e9

def multi_stream_rate(root):
    """Per-core rate with three SHA-256 streams interleaved (bench_sha256), GB/s, or None."""
    exe = os.path.join(root, "build", "bench_sha256")
    if not os.path.exists(exe):
        return None
    out = subprocess.run([exe, "-m", "64", "-r", "2"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if "k=3" in line and "GB/s" in line:
            return float(line.split()[-2])
    return None

def fio_rate(d, files):
    """What fio reads from the same files with io_uring and O_DIRECT, GB/s (None without fio)."""
    if not shutil.which("fio"):
        return None
    names = ":".join(os.path.join(d, r).replace(":", "\\:") for r, s in files if s >= 1 << 20)
    if not names:
        return None
    best = None
    for _ in range(2):
        drop_caches()
        t, _, rc = timed(["fio", "--name=read", "--ioengine=io_uring", "--direct=1", "--bs=1M", "--rw=read",
                          "--iodepth=16", "--numjobs=1", f"--filename={names}", "--group_reporting"])
        if rc == 0:
            r = sum(s for _, s in files if s >= 1 << 20) / t / 1e9
            best = r if best is None else max(best, r)
    return best

def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--omsig", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--quick", action="store_true", help="tiny sizes, one run each (under 3 minutes)")
    ap.add_argument("--size", default=None, help="bytes of the large shapes (default 3G, quick 64M)")
    ap.add_argument("--out", default=None, help="results folder (default bench/results)")
    ap.add_argument("--data", default=None, help="where models are generated (default OUT/models)")
    ap.add_argument("--cold", action="store_true", help="also run with the page cache dropped (root)")
    ap.add_argument("--runs", type=int, default=None, help="runs per measurement; the median is kept")
    ap.add_argument("--shapes", default="llm,dataset,huge,sharded")
    a = ap.parse_args()
    size = parse_size(a.size) if a.size else (64 << 20 if a.quick else 3 << 30)
    runs = a.runs or (1 if a.quick else 3)
    out = a.out or os.path.join(a.root, "bench", "results")
    os.makedirs(out, exist_ok=True)
    data = a.data or os.path.join(out, "models")
    keyp = os.path.join(a.root, "testdata", "pki", "p256.key.pem")
    pub = os.path.join(a.root, "testdata", "pki", "p256.pub.pem")
    ref = os.path.join(a.root, "tests", ".venv", "bin", "model_signing")
    cores = os.cpu_count() or 1
    rate1 = single_core_rate(out)
    ratek = multi_stream_rate(a.root) or rate1
    log(f"single-core OpenSSL SHA-256: {rate1:.2f} GB/s; three streams on one core: {ratek:.2f} GB/s; cores {cores}")
    shapes = {k: v for k, v in make_shapes(data, size, a.quick).items() if k in a.shapes.split(",")}

    engines = ["cpu"]
    probe = subprocess.run([a.omsig, "digest", os.path.join(a.root, "testdata", "interop", "models", "nested"), "--hasher", "gpu"],
                           capture_output=True)
    if probe.returncode == 0:
        engines += ["gpu", "hybrid", "auto"]
    else:
        why = (probe.stderr.decode(errors="replace").strip().splitlines() or ["?"])[-1]
        log(f"gpu, hybrid and auto rows left out: {why}")
    rows = []
    modes = ["hot"] + (["cold"] if a.cold and drop_caches() else [])
    for name, (d, files, shard, what) in shapes.items():
        total = sum(s for _, s in files)
        largest = max(s for _, s in files) if shard is None else min(shard, max(s for _, s in files))
        sig = d + ".sig"
        cmd = [a.omsig, "sign", "key", d, "--signature", sig, "--private_key", keyp, "--quiet"]
        if shard:
            cmd += ["--shard-size", str(shard)]
        if timed(cmd)[2] != 0:
            sys.exit(f"signing {name} failed")
        paths = [os.path.join(d, r) for r, _ in files]
        listfile = d + ".list"
        with open(listfile, "w") as f:
            f.write("\0".join(paths) + "\0")
        tools = [(f"omsig", e, [a.omsig, "verify", "key", d, "--signature", sig, "--public_key", pub, "--quiet", "--hasher", e]) for e in engines]
        if os.path.exists(ref) and shard is None:
            tools.append(("model_signing", "python", [ref, "verify", "key", d, "--signature", sig, "--public_key", pub]))
        tools.append(("sha256sum", "1 process", ["sh", "-c", f"xargs -0 sha256sum < '{listfile}' > /dev/null"]))
        tools.append(("openssl-parallel", f"{cores} processes", ["sh", "-c", f"xargs -0 -P {cores} -n {max(1, -(-len(paths) // (cores * 8)))} openssl dgst -sha256 < '{listfile}' > /dev/null"]))
        read_bound = fio_rate(d, files) if "cold" in modes else None
        for mode in modes:
            # hash bound: each core at its multi-stream rate when it has two or more streams,
            # the single-stream rate with one; and the chain bound of the longest stream
            n_streams = len(files) if shard is None else sum((s + shard - 1) // shard for _, s in files)
            per_core = ratek if n_streams >= 2 * cores else rate1
            hash_bound = min(min(cores, n_streams) * per_core, total / (largest / rate1))
            bound = hash_bound if mode == "hot" or read_bound is None else min(hash_bound, read_bound)
            for tool, engine, cmd in tools:
                times, peaks = [], []
                for _ in range(runs):
                    if mode == "hot":
                        warm(d)
                    else:
                        drop_caches()
                    t, peak, rc = timed(cmd)
                    if rc != 0:
                        break
                    times.append(t)
                    peaks.append(peak)
                if not times:
                    continue
                t = statistics.median(times)
                gbps = total / t / 1e9
                row = dict(shape=name, cache=mode, tool=tool, engine=engine, bytes=total, files=len(files),
                           seconds=round(t, 4), gbps=round(gbps, 3), bound_gbps=round(bound, 3),
                           ratio=round(gbps / bound, 3), peak_mib=round(max(peaks), 1))
                rows.append(row)
                log(f"  {name:8} {mode:4} {tool:16} {engine:12} {t:8.3f} s {gbps:7.3f} GB/s  {gbps / bound:5.2f} of bound")
    with open(os.path.join(out, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    meta = dict(single_core_gbps=round(rate1, 3), multi_stream_core_gbps=round(ratek, 3), cores=cores, size=size, runs=runs,
                shapes={k: v[3] for k, v in shapes.items()}, rows=rows)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(meta, f, indent=2)
    plot(out, rows, ratek * cores)
    print(f"{'shape':9}{'cache':6}{'tool':18}{'engine':13}{'seconds':>9}{'GB/s':>8}{'bound':>8}{'ratio':>7}{'peak MiB':>10}")
    for r in rows:
        print(f"{r['shape']:9}{r['cache']:6}{r['tool']:18}{r['engine']:13}{r['seconds']:9.3f}{r['gbps']:8.3f}{r['bound_gbps']:8.3f}{r['ratio']:7.2f}{r['peak_mib']:10.1f}")
    print(f"per core: {rate1:.2f} GB/s one SHA-256 stream (OpenSSL), {ratek:.2f} GB/s three interleaved; "
          f"{cores} cores; read bound from fio where cold; results in {out}")

def plot(out, rows, hash_bound):
    if not shutil.which("gnuplot"):
        log("gnuplot not found: no plot")
        return
    labels = []
    for r in rows:
        lab = f"{r['tool']} {r['engine']}" if r["tool"] == "omsig" else r["tool"]
        if lab not in labels:
            labels.append(lab)
    groups = []
    for r in rows:
        g = f"{r['shape']} {r['cache']}"
        if g not in groups:
            groups.append(g)
    dat = os.path.join(out, "plot.dat")
    with open(dat, "w") as f:
        f.write("group " + " ".join('"%s"' % l for l in labels) + " bound\n")
        for g in groups:
            vals, bound = [], 0
            for l in labels:
                v = [r for r in rows if f"{r['shape']} {r['cache']}" == g and
                     (f"{r['tool']} {r['engine']}" if r["tool"] == "omsig" else r["tool"]) == l]
                vals.append(str(v[0]["gbps"]) if v else "0")
                bound = max([bound] + [r["bound_gbps"] for r in v])
            f.write('"%s" %s %s\n' % (g, " ".join(vals), bound))
    n = len(labels)
    script = f"""
set terminal pngcairo size 1200,600 noenhanced
set output '{os.path.join(out, "throughput.png")}'
set title 'omsig verify against peers by model shape; bound: cores x per-core SHA-256 rate, longest-stream chain, fio read rate (cold)'
set ylabel 'GB/s'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key outside right top autotitle columnhead
set xtics rotate by -30
set grid ytics
set yrange [0:*]
plot for [i=2:{n + 1}] '{dat}' using i:xtic(1), \\
     '{dat}' using 0:{n + 2} with points pt 7 ps 2 lc rgb 'black' title 'bound'
"""
    subprocess.run(["gnuplot"], input=script.encode(), check=False)

if __name__ == "__main__":
    main()
