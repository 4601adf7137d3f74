# SPDX-License-Identifier: Apache-2.0
"""Verified load from Python: omsig.load_safetensors against safetensors' own loader, strict
headers, tampered and swapped files, and omsig.open_verified's pieces, order, release and
stopping."""

import json
import os
import struct
import sys
import threading
import time

import pytest

import omsig
from omsig._load import HeaderError, parse_header
from conftest import PKI

KEY = dict(public_key=PKI / "p256.pub.pem")


def sign(model, sig, **kw):
    omsig.sign(model, sig, private_key=PKI / "p256.key.pem", **kw)


def tasks():
    """The native threads of this process (the library's workers included)."""
    return len(os.listdir("/proc/self/task"))


def settle(before, seconds=10.0):
    """Waits until the process is back to `before` threads; returns the count."""
    deadline = time.monotonic() + seconds
    while tasks() > before and time.monotonic() < deadline:
        time.sleep(0.02)
    return tasks()


def raw_file(path, header, data=b""):
    """A safetensors file written byte by byte (header: a dict or the JSON bytes)."""
    h = header if isinstance(header, bytes) else json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(h)) + h + data)


@pytest.fixture
def np():
    return pytest.importorskip("numpy")


@pytest.fixture
def st_model(tmp_path, np):
    """Three safetensors files (one of several read-buffer pieces, one in a folder, dtypes,
    a scalar, an empty tensor, metadata), a config file, a git file the signer ignores."""
    st = pytest.importorskip("safetensors.numpy")
    m = tmp_path / "st"
    (m / "sub").mkdir(parents=True)
    rng = np.random.default_rng(7)
    st.save_file({"embed": rng.standard_normal((1500, 1024)).astype(np.float32),
                  "bias": rng.standard_normal(1024).astype(np.float16),
                  "scale": np.array(3.5, dtype=np.float64)},
                 m / "model-00001-of-00002.safetensors", metadata={"format": "np"})
    st.save_file({"ids": rng.integers(-2**40, 2**40, (300, 7), dtype=np.int64),
                  "mask": rng.integers(0, 2, 999).astype(bool),
                  "empty": np.zeros((0, 16), dtype=np.int32),
                  "bytes": rng.integers(0, 255, 1234, dtype=np.uint8),
                  "c": (rng.standard_normal(10) + 1j).astype(np.complex64)},
                 m / "model-00002-of-00002.safetensors")
    st.save_file({"head.weight": rng.standard_normal((33, 17)).astype(np.float32)},
                 m / "sub" / "head.safetensors")
    (m / "config.json").write_text('{"layers": 2}\n')
    (m / ".gitattributes").write_text("*.safetensors filter=lfs\n")
    return m


def reference(np, model, skip=None):
    """safetensors' own load of every .safetensors file of the model (but those under skip)."""
    st = pytest.importorskip("safetensors.numpy")
    out = {}
    for p in sorted(model.rglob("*.safetensors")):
        if skip is None or skip not in p.parents:
            out.update(st.load_file(p))
    return out


def assert_same(np, got, want):
    assert sorted(got) == sorted(want)
    for k, v in want.items():
        assert isinstance(got[k], np.ndarray), k
        assert got[k].dtype == v.dtype and got[k].shape == v.shape, k
        assert np.array_equal(got[k], v), k


# ---- load_safetensors ------------------------------------------------------------------------


@pytest.mark.parametrize("hash_, shard", [("sha256", None), ("sha256", 300000),
                                          ("blake2b", None), ("blake3", None)])
def test_load_equals_safetensors(np, st_model, tmp_path, hash_, shard):
    sig = tmp_path / "m.sig"
    sign(st_model, sig, hash=hash_, shard_size=shard)
    for threads in (1, 3):
        got = omsig.load_safetensors(st_model, sig, threads=threads, **KEY)
        assert_same(np, got, reference(np, st_model))
    got["embed"][0, 0] = 1.0  # the arrays are the caller's


def test_single_file_model(np, st_model, tmp_path):
    f = st_model / "sub" / "head.safetensors"
    sign(f, tmp_path / "f.sig")
    assert_same(np, omsig.load_safetensors(f, tmp_path / "f.sig", **KEY), reference(np, f.parent))


def test_tampered_raises_and_keeps_nothing(np, tmp_path):
    m = tmp_path / "m"
    m.mkdir()
    raw_file(m / "w.safetensors", {"w": {"dtype": "U8", "shape": [32 << 20],
                                         "data_offsets": [0, 32 << 20]}}, bytes(32 << 20))
    sign(m, tmp_path / "m.sig")
    with open(m / "w.safetensors", "r+b") as f:  # the last byte: all of it is copied first
        f.seek(-1, 2)
        f.write(b"\1")

    def rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    before = rss()
    for _ in range(8):
        with pytest.raises(omsig.VerificationError, match="Signature mismatch") as e:
            omsig.load_safetensors(m, tmp_path / "m.sig", **KEY)
        assert e.value.status == omsig.Status.E_DIGEST_MISMATCH
        assert not isinstance(e.value, omsig.LoadError)
    # eight runs that each filled 32 MiB before the verdict: none of it kept
    assert rss() - before < 64 << 20


def test_wrong_key_reads_nothing(np, st_model, tmp_path):
    sign(st_model, tmp_path / "m.sig")
    with pytest.raises(omsig.VerificationError, match="Key mismatch"):
        omsig.load_safetensors(st_model, tmp_path / "m.sig", public_key=PKI / "p384.pub.pem")


def test_what_is_loaded(np, st_model, tmp_path):
    """Only covered .safetensors files: an ignored one (even malformed) is not read."""
    (st_model / "ignored").mkdir()
    raw_file(st_model / "ignored" / "bad.safetensors", b"{not json")
    raw_file(st_model / "ignored" / "good.safetensors",
             {"extra": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}}, b"x")
    sign(st_model, tmp_path / "m.sig", ignore_paths=[st_model / "ignored"])
    got = omsig.load_safetensors(st_model, tmp_path / "m.sig",
                                 ignore_paths=[st_model / "ignored"], **KEY)
    assert_same(np, got, reference(np, st_model, skip=st_model / "ignored"))


def test_name_in_two_files(np, tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    m = tmp_path / "m"
    m.mkdir()
    st.save_file({"w": np.ones(3, np.float32)}, m / "a.safetensors")
    st.save_file({"w": np.zeros(3, np.float32)}, m / "b.safetensors")
    sign(m, tmp_path / "m.sig")
    with pytest.raises(omsig.LoadError, match="tensor 'w' is in both 'a.safetensors' and "
                                              "'b.safetensors'"):
        omsig.load_safetensors(m, tmp_path / "m.sig", **KEY)


def test_arguments(np, st_model, tmp_path, monkeypatch):
    sig = tmp_path / "m.sig"
    with pytest.raises(ValueError, match="framework must be"):
        omsig.load_safetensors(st_model, sig, framework="tf", **KEY)
    with pytest.raises(ValueError, match="numpy arrays live on the CPU"):
        omsig.load_safetensors(st_model, sig, device="cuda", framework="np", **KEY)
    with pytest.raises(TypeError):
        omsig.load_safetensors(st_model, sig, threads="2", **KEY)
    monkeypatch.setitem(sys.modules, "numpy", None)
    with pytest.raises(ImportError, match="needs numpy"):
        omsig.load_safetensors(st_model, sig, **KEY)


def test_torch(np, st_model, tmp_path):
    torch = pytest.importorskip("torch")
    sign(st_model, tmp_path / "m.sig")
    got = omsig.load_safetensors(st_model, tmp_path / "m.sig", framework="pt", **KEY)
    want = reference(np, st_model)
    assert sorted(got) == sorted(want)
    for k, v in want.items():
        assert isinstance(got[k], torch.Tensor) and tuple(got[k].shape) == v.shape
        assert np.array_equal(got[k].numpy(), v), k


# ---- hostile headers ----------------------------------------------------------------------------


def header(entries, data_size):
    h = json.dumps(entries).encode()
    return struct.pack("<Q", len(h)) + h, 8 + len(h) + data_size


def t(dtype="F32", shape=(2,), offsets=(0, 8)):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}


@pytest.mark.parametrize("entries, data_size, message", [
    ({"a": t(), "b": t(offsets=(4, 12))}, 12, "tensors 'a' and 'b' overlap"),
    ({"a": t(offsets=(0, 8)), "b": t(offsets=(12, 20))}, 20, r"bytes \[8, 12\) .* no tensor"),
    ({"a": t()}, 10, r"bytes \[8, 10\) of the data area belong to no tensor"),
    ({"a": t(offsets=(0, 16))}, 8, "run past the data area"),
    ({"a": t(offsets=(8, 4))}, 8, "end before they begin"),
    ({"a": t(shape=(3,))}, 8, "hold 8 bytes; F32 of shape \\[3\\] is 12"),
    ({"a": t(shape=(-2,))}, 8, "must not be negative"),
    ({"a": t(shape=(True, 2))}, 8, "must be an integer"),
    ({"a": {**t(), "shape": "2"}}, 8, "shape must be a list"),
    ({"a": t(offsets=(0,))}, 8, "must be \\[begin, end\\]"),
    ({"a": t(offsets=(0, 8.0))}, 8, "must be an integer"),
    ({"a": t(dtype="F128")}, 8, "unknown dtype 'F128'"),
    ({"a": t(dtype="F4")}, 8, "under a byte"),
    ({"a": {**t(), "extra": 1}}, 8, "unknown key 'extra'"),
    ({"a": {"dtype": "F32", "shape": [2]}}, 8, "no 'data_offsets'"),
    ({"a": [1]}, 8, "not an object"),
    ({"__metadata__": {"k": 1}, "a": t()}, 8, "__metadata__ must map strings to strings"),
])
def test_hostile_entries(entries, data_size, message):
    head, size = header(entries, data_size)
    with pytest.raises(HeaderError, match=message):
        parse_header(head, size)


@pytest.mark.parametrize("raw, message", [
    (b'{"a": 1', "not JSON"),
    (b'[1, 2]', "not a JSON object"),
    (b' {}', "not a JSON object"),
    (b'{"a": NaN}', "NaN is not JSON"),
    (b'{"x": 1, "x": 2}', "key 'x' appears twice"),
    (b'{"\xff": 1}', "not UTF-8"),
])
def test_hostile_json(raw, message):
    with pytest.raises(HeaderError, match=message):
        parse_header(struct.pack("<Q", len(raw)) + raw, 8 + len(raw))


def test_hostile_lengths():
    with pytest.raises(HeaderError, match="over the 100000000 bytes allowed"):
        parse_header(struct.pack("<Q", 1 << 40), 1 << 41)
    with pytest.raises(HeaderError, match="runs past the end of the file"):
        parse_header(struct.pack("<Q", 100), 50)
    with pytest.raises(HeaderError, match="shorter than a header's length"):
        parse_header(b"\0\0\0", 3)


def test_good_header_padded_and_empty():
    raw = b'{"__metadata__": {"k": "v"}, "a": {"dtype": "BF16", "shape": [], ' \
          b'"data_offsets": [0, 2]}, "z": {"dtype": "I8", "shape": [0, 5], ' \
          b'"data_offsets": [2, 2]}}   '
    h = parse_header(struct.pack("<Q", len(raw)) + raw + b"\0\0", 8 + len(raw) + 2)
    assert [x.name for x in h.tensors] == ["a", "z"] and h.metadata == {"k": "v"}
    assert h.data_size == 2 and h.tensors[0].shape == ()


@pytest.mark.parametrize("make, message", [
    (lambda p: raw_file(p, {"a": t(), "b": t(offsets=(4, 12))}, bytes(12)), "overlap"),
    (lambda p: p.write_bytes(struct.pack("<Q", 1 << 40) + b"{}"), "over the 100000000"),
    (lambda p: raw_file(p, b'{"a": ', bytes(8)), "not JSON"),
    (lambda p: raw_file(p, {"a": t(offsets=(0, 9))}, bytes(8)), "run past the data area"),
    (lambda p: raw_file(p, {"a": t(shape=(1,))}, bytes(8)), "hold 8 bytes"),
])
def test_hostile_file_refused(np, tmp_path, make, message):
    m = tmp_path / "m"
    m.mkdir()
    make(m / "evil.safetensors")
    sign(m, tmp_path / "m.sig")  # signed as it is: the signature does not make it well formed
    with pytest.raises(omsig.LoadError, match=f"'evil.safetensors': safetensors header: .*"
                                              f"{message}"):
        omsig.load_safetensors(m, tmp_path / "m.sig", **KEY)


# ---- open_verified ------------------------------------------------------------------------------


@pytest.mark.parametrize("shard", [None, 250000])
def test_pieces_cover_the_manifest(st_model, tmp_path, shard):
    sig = tmp_path / "m.sig"
    sign(st_model, sig, shard_size=shard)
    pieces = {}
    with omsig.open_verified(st_model, sig, threads=2, **KEY) as it:
        for name, offset, view in it:
            assert isinstance(view, memoryview) and view.readonly
            pieces.setdefault(name, []).append((offset, bytes(view)))
    assert it.result.ok and it.result.root_digest
    files = {p.relative_to(st_model).as_posix(): p.read_bytes()
             for p in st_model.rglob("*") if p.is_file() and p.name != ".gitattributes"}
    assert sorted(pieces) == sorted(files)
    for name, got in pieces.items():
        if shard is None:  # one stream per file: increasing offsets, each where the last ended
            assert [o for o, _ in got] == sorted(o for o, _ in got)
        got.sort()
        at = 0
        for o, b in got:
            assert o == at, name
            at += len(b)
        assert b"".join(b for _, b in got) == files[name]


def test_pieces_of_a_tampered_model(st_model, tmp_path):
    sign(st_model, tmp_path / "m.sig")
    (st_model / "config.json").write_text('{"layers": 3}\n')
    n = 0
    with pytest.raises(omsig.VerificationError, match="Signature mismatch"):
        for _ in omsig.open_verified(st_model, tmp_path / "m.sig", **KEY):
            n += 1
    assert n > 0  # delivered, then refused by the verdict, which comes last


def test_view_released_when_iteration_moves_on(st_model, tmp_path):
    sign(st_model, tmp_path / "m.sig")
    views = []
    for _, _, view in omsig.open_verified(st_model, tmp_path / "m.sig", **KEY):
        views.append(view)
    assert len(views) > 1
    with pytest.raises(ValueError, match="released"):
        bytes(views[0])


@pytest.fixture
def big_model(tmp_path):
    """512 MiB of sparse files: hundreds of pieces, no disk."""
    m = tmp_path / "big"
    m.mkdir()
    for i in range(4):
        with open(m / f"part-{i}.bin", "wb") as f:
            f.truncate(128 << 20)
    sign(m, tmp_path / "big.sig")
    return m, tmp_path / "big.sig"


def test_exception_in_the_loop_stops_the_run(big_model, st_model, tmp_path):
    m, sig = big_model
    before = tasks()

    class Stop(Exception):
        pass

    for use_with in (True, False):
        t0 = time.monotonic()
        with pytest.raises(Stop):
            if use_with:
                with omsig.open_verified(m, sig, **KEY) as pieces:
                    for i, _ in enumerate(pieces):
                        if i == 3:
                            raise Stop()
            else:
                for i, _ in enumerate(omsig.open_verified(m, sig, **KEY)):
                    if i == 3:
                        raise Stop()
        assert settle(before) == before  # every worker ended
        assert time.monotonic() - t0 < 5
    # the shared context is usable: a whole run after the stopped ones
    sign(st_model, tmp_path / "m.sig")
    assert sum(1 for _ in omsig.open_verified(st_model, tmp_path / "m.sig", **KEY)) > 0


def test_break_and_close(big_model):
    m, sig = big_model
    before = tasks()
    it = omsig.open_verified(m, sig, **KEY)
    next(it)
    it.close()
    assert settle(before) == before
    assert list(it) == [] and it.result is None
    with pytest.raises(StopIteration):
        next(it)


def test_view_kept_past_the_piece_is_refused(np, big_model):
    m, sig = big_model
    before = tasks()
    it = omsig.open_verified(m, sig, **KEY)
    _, _, view = next(it)
    kept = np.frombuffer(view, dtype=np.uint8)  # points into the read buffer
    with pytest.raises(BufferError, match="still in use"):
        next(it)
    assert kept[:4].tolist() == [0, 0, 0, 0]  # still valid: its slot is held for it
    time.sleep(0.2)
    assert tasks() > before  # the run waits for the slot
    del kept, view
    assert settle(before) == before  # released with the last view: the run ended


def test_progress(big_model):
    m, sig = big_model
    calls = []
    for _ in omsig.open_verified(m, sig, threads=1, progress=lambda d, t: calls.append((d, t)),
                                 **KEY):
        time.sleep(0.001)
    total = 4 * (128 << 20)
    assert calls and calls[-1] == (total, total)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_load_progress_and_other_files(np, big_model):
    """Files that are not .safetensors are verified, not loaded; progress reaches the end."""
    m, sig = big_model
    calls = []
    out = omsig.load_safetensors(m, sig, progress=lambda d, t: calls.append((d, t)), **KEY)
    total = 4 * (128 << 20)
    assert out == {} and calls and calls[-1] == (total, total)


# ---- the window between verify and load ---------------------------------------------------------


def swap(path, np, how):
    """The file with its tensor 'bias' set to 7: renamed onto it, written over it, or written
    over it with its modification time put back."""
    data = bytearray(path.read_bytes())
    h = parse_header(bytes(data), len(data))
    bias = next(x for x in h.tensors if x.name == "bias")
    at = len(h.header_bytes)
    data[at + bias.begin:at + bias.end] = np.full(bias.shape, 7, np.float16).tobytes()
    if how != "renamed":
        st = path.stat()
        with open(path, "r+b") as f:
            f.write(data)
        if how == "same-time":
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    else:
        tmp = path.with_name("swap.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)


@pytest.mark.parametrize("how, status", [("renamed", omsig.Status.E_FILE_CHANGED),
                                         ("in-place", omsig.Status.E_FILE_CHANGED),
                                         ("same-time", omsig.Status.E_DIGEST_MISMATCH)])
def test_window_closed(np, st_model, tmp_path, monkeypatch, how, status):
    if "test-hooks" not in omsig.build_features():
        pytest.skip("a build without test hooks (-C cmake.define.OMSIG_TEST_HOOKS=ON)")
    st = pytest.importorskip("safetensors.numpy")
    sig = tmp_path / "m.sig"
    sign(st_model, sig)
    target = st_model / "model-00001-of-00002.safetensors"
    original = target.read_bytes()

    # verify, then load: the file swapped in between is loaded, never verified
    omsig.verify(st_model, sig, **KEY)
    swap(target, np, how)
    assert (st.load_file(target)["bias"] == 7).all()
    target.write_bytes(original)

    # verified load, the same swap after its signature check, before its first read
    fifo = tmp_path / "pause"
    os.mkfifo(fifo)
    monkeypatch.setenv("OMSIG_HOOK_PAUSE_BEFORE_READ", str(fifo))
    out = {}

    def load():
        try:
            out["tensors"] = omsig.load_safetensors(st_model, sig, threads=2, **KEY)
        except omsig.VerificationError as e:
            out["error"] = e

    th = threading.Thread(target=load)
    th.start()
    with open(fifo) as f:
        assert f.readline() == "paused\n"
    swap(target, np, how)
    with open(fifo, "w"):
        pass  # go on
    th.join(60)
    assert not th.is_alive()
    assert "tensors" not in out
    e = out["error"]
    assert e.status == status
    assert "model-00001-of-00002.safetensors" in str(e)


def test_header_changed_after_it_was_read(np, st_model, tmp_path, monkeypatch):
    """The header parsed is checked against the verified bytes: a file whose header was read
    before it was swapped back to the signed one is refused, though the model verifies."""
    import omsig._load as load
    st = pytest.importorskip("safetensors.numpy")
    sig = tmp_path / "m.sig"
    sign(st_model, sig)
    target = st_model / "sub" / "head.safetensors"
    signed = target.read_bytes()
    st.save_file({"head.weight": np.zeros((17, 33), np.float32)}, target)  # other shape
    real = load.read_header

    def read_then_restore(path):
        h = real(path)
        if path.endswith(b"head.safetensors"):
            target.write_bytes(signed)
        return h

    monkeypatch.setattr(load, "read_header", read_then_restore)
    with pytest.raises(omsig.LoadError, match="'sub/head.safetensors' changed after its "
                                              "safetensors header was read"):
        omsig.load_safetensors(st_model, sig, **KEY)
    assert omsig.verify(st_model, sig, **KEY).ok
