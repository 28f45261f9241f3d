"""The devmap loader (local copy, download from a local HTTP mirror, cache, errors) and the
benchmark's evaluation core.  Never touches the network: downloads go to a server on
127.0.0.1 that mirrors the raw.githubusercontent.com layout."""

from __future__ import annotations

import csv
import http.server
import importlib.util
import re
import shutil
import socket
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from sklearn_mirencoder import datasets
from sklearn_mirencoder.datasets import TASKS, DatasetError, load_devmap
from sklearn_mirencoder.errors import MIREncoderError

from conftest import REPO, devmap_dir

SPEC = TASKS["devmap-cgo17"]
TABLES = {t.name: t for t in SPEC.tables}
IR_SET = SPEC.file_sets[0]


def _local() -> Path:
    d = devmap_dir()
    if not (d / "cgo17-amd.csv").is_file() or not (d / "kernels_ir.tar.gz").is_file():
        pytest.skip(f"{d} is absent: set MIRENCODER_SHARED to the folder holding data/devmap-cgo17")
    return d


@pytest.fixture(scope="module")
def devmap():
    d = _local()
    return {p: load_devmap(p, local_path=d) for p in ("amd", "nvidia")}


def _csv(platform: str) -> list[dict]:
    with open(_local() / f"cgo17-{platform}.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# ---------------------------------------------------------------------------- local copy


@pytest.mark.parametrize("platform", ["amd", "nvidia"])
def test_local_copy_rows_files_labels(devmap, platform):
    b = devmap[platform]
    rows = _csv(platform)
    assert len(b.target) == len(rows) == 680
    assert len(set(b.ir_file)) == 669
    assert all(isinstance(t, str) and "define" in t for t in b.ir)
    assert list(b.target) == [1 if r["oracle"] == "GPU" else 0 for r in rows]
    assert list(b.target_names) == ["CPU", "GPU"]
    # the label is the faster device
    assert np.array_equal(b.target, (b.runtime_gpu < b.runtime_cpu).astype(int))
    assert list(b.benchmark) == [r["benchmark"] for r in rows]
    assert list(b.dataset) == [r["dataset"] for r in rows]
    assert list(b.src) == [r["src"] for r in rows]
    assert b.aux.shape == (680, 2) and b.aux_names == ["transfer", "wgsize"]
    assert np.array_equal(b.aux[:, 0], [float(r["transfer"]) for r in rows])
    assert b.grewe.shape == (680, 12) and len(b.grewe_names) == 12
    assert np.isfinite(b.grewe).all()
    r0 = rows[0]
    comp, mem, transfer = float(r0["comp"]), float(r0["mem"]), float(r0["transfer"])
    assert b.grewe[0, 8] == pytest.approx(transfer / (comp + mem))
    assert b.grewe[0, 11] == pytest.approx(comp / mem)
    assert set(b.suite) == {"AMD SDK", "NPB", "NVIDIA SDK", "Parboil", "PolyBench", "Rodinia", "SHOC"}
    assert b.platform == platform and "devmap" in b.DESCR
    assert np.array_equal(b.data, b.ir)


def test_ir_files_follow_the_resolution_rule(devmap):
    b = devmap["amd"]
    for bench, ds, f, text in zip(b.benchmark, b.dataset, b.ir_file, b.ir):
        name = f"{bench}-{ds}"
        prefix, last = name.rsplit("-", 1)
        assert f in (f"{name}.ll", f"{prefix}.ll", f"{prefix}_{last}.ll")
    # the download naming (no listing online) gives the same 669 names
    assert datasets.devmap._devmap_ir_names({"t": (_local() / "cgo17-amd.csv").read_bytes()}) == sorted(set(b.ir_file))
    # lavaMD is returned as is (the front end upgrades it)
    lava = [t for f, t in zip(b.ir_file, b.ir) if "lavaMD" in f]
    assert lava and "byval nocapture" in lava[0]


def test_kernel_groups(devmap):
    b = devmap["amd"]
    assert len(set(b.kernel)) == 239
    assert np.array_equal(devmap["nvidia"].kernel, b.kernel)
    by_bench = {}
    for bench, k in zip(b.benchmark, b.kernel):
        assert by_bench.setdefault(bench, k) == k  # every input size of a kernel in one group
    assert len(by_bench) == 256
    # the merged groups: BT/SP twins, PolyBench mm kernels, identical S3D IR
    assert b.kernel[list(b.benchmark).index("npb-3.3-SP-exact_rhs1")] == "npb-3.3-BT-exact_rhs1"
    assert b.kernel[list(b.benchmark).index("shoc-1.1.5-S3D-rdwdot3_kernel")] == "shoc-1.1.5-S3D-rdwdot2_kernel"
    assert len({k for bench, k in zip(b.benchmark, b.kernel) if "-2mm-" in bench or "-3mm-" in bench}) == 1


def test_no_kernel_crosses_a_grouped_split(devmap):
    from sklearn.model_selection import StratifiedGroupKFold

    b = devmap["nvidia"]
    strip = re.compile(r"^(?:; ModuleID = |source_filename = ).*$", re.M)
    ir_key = np.asarray([strip.sub("", t) for t in b.ir], dtype=object)
    src_key = np.asarray([" ".join(s.split()) for s in b.src], dtype=object)
    cv = StratifiedGroupKFold(n_splits=10, shuffle=True, random_state=204)
    for train, test in cv.split(b.ir, b.target, b.kernel):
        assert not set(b.kernel[train]) & set(b.kernel[test])
        assert not set(b.benchmark[train]) & set(b.benchmark[test])
        assert not set(src_key[train]) & set(src_key[test])
        assert not set(ir_key[train]) & set(ir_key[test])


def test_as_frame_and_return_x_y(devmap):
    pytest.importorskip("pandas")
    d = _local()
    X, y = load_devmap("amd", local_path=d, return_X_y=True)
    assert len(X) == len(y) == 680 and np.array_equal(y, devmap["amd"].target)
    f = load_devmap("amd", local_path=d, as_frame=True)
    assert f.frame.shape[0] == 680
    assert {"ir", "src", "kernel", "transfer", "wgsize", "F4:comp/mem", "target"} <= set(f.frame.columns)
    assert f.data.name == "ir" and f.target.name == "target"


def test_local_copy_as_extracted_folder(tmp_path):
    d = _local()
    for t in TABLES:
        shutil.copy(d / t, tmp_path / t)
    with tarfile.open(d / "kernels_ir.tar.gz") as tar:
        tar.extractall(tmp_path, filter="data")
    assert (tmp_path / "kernels_ir").is_dir()
    b = load_devmap("nvidia", local_path=tmp_path)
    assert len(b.target) == 680 and len(set(b.ir_file)) == 669
    # a damaged IR file is caught by the manifest
    victim = next((tmp_path / "kernels_ir").glob("npb-3.3-BT-add_A.ll"))
    victim.write_text(victim.read_text() + "\n; changed\n")
    with pytest.raises(DatasetError, match="checksum mismatch"):
        load_devmap("nvidia", local_path=tmp_path)


# ---------------------------------------------------------------------------- errors


def test_missing_local_copy_and_no_download(tmp_path, monkeypatch):
    with pytest.raises(DatasetError, match="not a folder"):
        load_devmap("amd", local_path=tmp_path / "nowhere")
    (tmp_path / "partial").mkdir()
    with pytest.raises(DatasetError, match="cgo17-amd.csv is missing"):
        load_devmap("amd", local_path=tmp_path / "partial")
    monkeypatch.setenv("MIRENCODER_DATA", str(tmp_path / "home"))
    with pytest.raises(DatasetError) as info:
        load_devmap("amd", download=False)
    msg = str(info.value)
    assert isinstance(info.value, MIREncoderError)
    assert str(tmp_path / "home") in msg and "download=True" in msg and "local_path=" in msg
    assert "raw" not in msg or "github" in msg.lower()
    with pytest.raises(ValueError, match="platform"):
        load_devmap("intel", local_path=tmp_path)


# ---------------------------------------------------------------------------- download


class _Mirror:
    """A local HTTP server over a folder, counting the requests."""

    def __init__(self, root: Path):
        self.root = root
        self.requests: list[str] = []
        mirror = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **kw):
                super().__init__(*a, directory=str(root), **kw)

            def do_GET(self):  # noqa: N802
                mirror.requests.append(self.path)
                super().do_GET()

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _origin_path(root: Path, origin, name: str) -> Path:
    return root / origin.repo / origin.commit / origin.folder / name


@pytest.fixture(scope="module")
def fake_origin(tmp_path_factory) -> Path:
    """The raw.githubusercontent.com layout of the pinned origins, from the local copy
    (only the first origin of each table)."""
    return make_fake_origin(tmp_path_factory.mktemp("origin"), SPEC, IR_SET, _local())


def make_fake_origin(root: Path, spec, ir_set, local: Path) -> Path:
    """Lay out ``spec``'s tables (first origin each) and the ``.ll`` files of
    ``local/kernels_ir.tar.gz`` under ``root`` as raw.githubusercontent.com serves them."""
    for t in spec.tables:
        origin, remote = t.sources[0]
        p = _origin_path(root, origin, remote)
        p.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(local / t.name, p)
    ir_dir = _origin_path(root, ir_set.origin, "")
    ir_dir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(local / "kernels_ir.tar.gz") as tar:
        for m in tar:
            if m.isfile() and m.name.endswith(".ll"):
                (ir_dir / Path(m.name).name).write_bytes(tar.extractfile(m).read())
    return root


def test_download_verify_cache(fake_origin, tmp_path, devmap):
    home = tmp_path / "home"
    with _Mirror(fake_origin) as mirror:
        b = load_devmap("amd", data_home=home, base_url=mirror.url)
        assert len(mirror.requests) == 1 + 669
        assert any(r.endswith("/data/case-study-a/cgo17-amd.csv") for r in mirror.requests)
        assert np.array_equal(b.target, devmap["amd"].target)
        assert list(b.ir) == list(devmap["amd"].ir)
        assert (home / "devmap-cgo17" / "cgo17-amd.csv").is_file()
        assert len(list((home / "devmap-cgo17" / "kernels_ir").glob("*.ll"))) == 669
        assert not list((home / "devmap-cgo17").glob(".*partial*"))
        # the second load reads the cache; the other platform fetches only its table
        again = load_devmap("amd", data_home=home, base_url=mirror.url)
        assert len(mirror.requests) == 670
        assert np.array_equal(again.kernel, b.kernel)
        load_devmap("nvidia", data_home=home, base_url=mirror.url)
        assert len(mirror.requests) == 671
    # offline now: the cache suffices
    assert len(load_devmap("nvidia", data_home=home, download=False).target) == 680


def test_download_checksum_mismatch(fake_origin, tmp_path, monkeypatch):
    monkeypatch.setattr(datasets._fetch, "_RETRIES", 1)
    tampered = tmp_path / "origin"
    shutil.copytree(fake_origin, tampered)
    origin, remote = TABLES["cgo17-amd.csv"].sources[0]
    csv_path = _origin_path(tampered, origin, remote)
    csv_path.write_bytes(csv_path.read_bytes().replace(b"GPU", b"CPU", 1))
    home = tmp_path / "home"
    with _Mirror(tampered) as mirror:
        with pytest.raises(DatasetError, match="checksum mismatch") as info:
            load_devmap("amd", data_home=home, base_url=mirror.url)
        assert "HTTP 404" in str(info.value)  # the second origin was tried too
        assert not (home / "devmap-cgo17" / "cgo17-amd.csv").exists()
        # a damaged IR file: the manifest fails, nothing is cached
        ir_file = _origin_path(tampered, IR_SET.origin, "npb-3.3-CG-main_0_A.ll")
        ir_file.write_bytes(ir_file.read_bytes() + b"\n")
        with pytest.raises(DatasetError, match="checksum mismatch for the 669 files"):
            load_devmap("nvidia", data_home=home, base_url=mirror.url)
        assert (home / "devmap-cgo17" / "cgo17-nvidia.csv").is_file()  # the table was fine
        assert not (home / "devmap-cgo17" / "kernels_ir").exists()
        assert not list((home / "devmap-cgo17").glob(".*partial*"))


def unreachable_origin(monkeypatch) -> int:
    """Point the data sets' downloads at a local port nobody listens on, one try each; the port."""
    monkeypatch.setattr(datasets._fetch, "_RETRIES", 1)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("MIRENCODER_DATASETS_URL", f"http://127.0.0.1:{port}")
    return port


def test_download_unreachable(tmp_path, monkeypatch):
    port = unreachable_origin(monkeypatch)
    with pytest.raises(DatasetError) as info:
        load_devmap("amd", data_home=tmp_path)
    msg = str(info.value)
    assert f"127.0.0.1:{port}/ChrisCummins/paper-end2end-dl/df6fa690" in msg and "local_path=" in msg
    assert not (tmp_path / "devmap-cgo17" / "cgo17-amd.csv").exists()


# ---------------------------------------------------------------------------- benchmark core


def _bench_module():
    path = REPO / "benchmarks" / "devmap.py"
    spec = importlib.util.spec_from_file_location("devmap_benchmark", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_evaluate_on_a_subset(devmap):
    pytest.importorskip("pandas")
    bench = _bench_module()
    b = devmap["amd"]
    rng = np.random.default_rng(0)
    rows = np.sort(rng.choice(len(b.target), 150, replace=False))
    sub = bench.subset(b, rows)
    assert len(sub.target) == 150 and len(sub.ir) == 150 and sub.platform == "amd"
    assert bench.grewe_features(sub).shape == (150, 12)
    feats = {"static": None, "aux": bench.log_aux(sub)}
    for protocol, fractions in (("stratified", (1.0,)), ("grouped", (0.5, 1.0))):
        with threadpool_limits(1):
            df = bench.evaluate(feats, sub, protocol, ["logreg"], n_splits=3, fractions=fractions)
        assert len(df) == 2 * len(fractions)  # (static, aux) x fractions
        assert df["accuracy"].between(0, 1).all()
        assert (df["speedup_geomean"] > 0).all() and (df["speedup_mean"] > 0).all()
        static = df[df["features"] == "static"].iloc[0]
        assert static["accuracy"] == pytest.approx(max(np.mean(sub.target), 1 - np.mean(sub.target)))
        assert static["speedup_geomean"] == pytest.approx(1.0)
        assert set(df["protocol"]) == {protocol}
    oracle = bench.oracle_row(sub)
    assert oracle["speedup_geomean"] >= 1.0 and oracle["speedup_mean"] >= df["speedup_mean"].max() - 1e-9


def test_data_home_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("MIRENCODER_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert datasets.get_data_home() == tmp_path / "xdg" / "sklearn-mirencoder" / "datasets"
    monkeypatch.setenv("MIRENCODER_DATA", str(tmp_path / "mine"))
    assert datasets.get_data_home() == tmp_path / "mine"
    assert datasets.get_data_home(tmp_path / "given") == tmp_path / "given"
    assert (tmp_path / "given").is_dir()
