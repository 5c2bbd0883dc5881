"""Reading results: ``source.io.load_run`` and ``docs/output.md`` against real output files.

A short Cowling and a short dynamic run are written through ``TOVEvolution.main``; the
tables of the document must match the files both ways (every documented dataset exists with
the documented shape, dtype and unit, every dataset and attribute of the files is
documented) and the unit table ``source.io.UNITS``. Files of the older layout and files
that are not tovflow outputs are written by hand.
"""

import json
import math
import re
from pathlib import Path

import h5py
import numpy as np
import pytest

import TOVEvolution
from source.evolution.analysis import expected_modes, run_mode_frequencies
from source.io import STAR_UNITS, UNITS, load_header, load_run
from source.units import MSUN_SECONDS

DOC = Path(__file__).resolve().parents[1] / "docs" / "output.md"
N, STEPS = 100, 40
SMALL = ["--num-points", str(N), "--r-max", "20", "--steps", str(STEPS), "--timeseries-every",
         "10", "--snapshot-every", "20", "--threads", "1", "--quiet"]
ROWS = STEPS // 10 + 1


def _parse_tables(text):
    """Markdown tables of the document: (section heading, header cells, rows of cells)."""
    tables, heading = [], ""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            heading = line[3:].strip()
        if line.startswith("|") and i + 1 < len(lines) and lines[i + 1].startswith("|--"):
            header = [c.strip() for c in line.strip().strip("|").split("|")]
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append([c.strip() for c in lines[i].strip().strip("|").split("|")])
                i += 1
            tables.append((heading, header, rows))
            continue
        i += 1
    return tables


def _name(cell):
    return cell.strip().strip("`")


DOC_TEXT = DOC.read_text()
TABLES = _parse_tables(DOC_TEXT)
DOCUMENTED = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", DOC_TEXT))


def _section_tables(prefix):
    return [(header, rows) for heading, header, rows in TABLES if heading.startswith(prefix)
            and header[:5] == ["name", "shape", "dtype", "unit", "meaning"]]


def _shape(text, n_rows):
    return {"(n,)": (n_rows,), "(N,)": (N,)}[text]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("io")
    paths = {}
    for mode in ("cowling", "dynamic"):
        paths[mode] = d / f"{mode}.h5"
        assert TOVEvolution.main(SMALL + ["--mode", mode, "--output", str(paths[mode])]) == 0
    return paths


def test_doc_units_are_the_io_table():
    """Every table with a unit column agrees with source.io.UNITS / STAR_UNITS, and every
    name of those tables is documented."""
    seen = set()
    seen_star = set()
    for _heading, header, rows in TABLES:
        if "unit" not in header:
            continue
        col = header.index("unit")
        table = STAR_UNITS if header[0] == "star key" else UNITS
        for row in rows:
            name = _name(row[0])
            assert name in table, f"docs/output.md documents {name!r}, missing in source.io"
            assert _name(row[col]) == table[name], (name, row[col], table[name])
            (seen_star if table is STAR_UNITS else seen).add(name)
    assert seen == set(UNITS), set(UNITS) ^ seen
    assert seen_star == set(STAR_UNITS), set(STAR_UNITS) ^ seen_star


@pytest.mark.parametrize("mode", ["cowling", "dynamic"])
def test_documented_datasets_exist_with_documented_shape(runs, mode):
    common_ts, dynamic_ts = _section_tables("/timeseries")
    common_snap, dynamic_snap = _section_tables("/snapshots")
    (_, grid_rows), = _section_tables("/grid")
    with h5py.File(runs[mode], "r") as f:
        for tables, group in (((common_ts, dynamic_ts), [f["timeseries"]]),
                              ((common_snap, dynamic_snap), list(f["snapshots"].values()))):
            expected = set()
            for k, (_, rows) in enumerate(tables):
                for name, shape, dtype, *_ in rows:
                    name = _name(name)
                    if k == 1 and mode == "cowling":
                        assert all(name not in g for g in group), name
                        continue
                    expected.add(name)
                    for g in group:
                        assert g[name].shape == _shape(shape, ROWS), (name, g[name].shape)
                        assert g[name].dtype == np.dtype(dtype), (name, g[name].dtype)
            for g in group:
                assert set(g) == expected, set(g) ^ expected
        for name, shape, dtype, *_ in grid_rows:
            assert f["grid"][_name(name)].shape == _shape(shape, ROWS)
            assert f["grid"][_name(name)].dtype == np.dtype(dtype)
        c = f["checkpoint"]
        assert c["U"].shape == ((3, N) if mode == "cowling" else (15, N))
        assert c["prim"].shape == (6, N) and c["books"].shape == (6,)


@pytest.mark.parametrize("mode", ["cowling", "dynamic"])
def test_every_name_in_the_files_is_documented(runs, mode):
    names = set()

    def visit(name, obj):
        names.add(name.rsplit("/", 1)[-1] if isinstance(obj, h5py.Dataset) else "")
        names.update(obj.attrs)

    with h5py.File(runs[mode], "r") as f:
        names.update(f.attrs)
        f.visititems(visit)
        config = json.loads(f.attrs["config"])
        star = json.loads(f.attrs["tov"])
        fields = set(f["timeseries"]) | {k for g in f["snapshots"].values() for k in g}
    names.discard("")
    missing = sorted(n for n in names | set(config) | set(star) if n not in DOCUMENTED)
    assert not missing, f"not documented in docs/output.md: {missing}"
    assert fields <= set(UNITS), fields - set(UNITS)
    assert set(star) == set(STAR_UNITS)


@pytest.mark.parametrize("mode", ["cowling", "dynamic"])
def test_load_run(runs, mode):
    run = load_run(runs[mode])
    assert run.mode == mode and run.status == "completed"
    assert run.config["num_points"] == N and run.config["mode"] == mode
    assert set(run.star) == set(STAR_UNITS)
    assert abs(run.star["M_star"] - 1.40016) < 1e-5 and run.star["M_star"] == \
        run.attrs["tov_M_star"]
    g = run.grid
    assert g.N == N and g.r.shape == (N,) and g.r_max == 20.0
    assert math.isclose(g.dr, 20.0 / (N - 3.5), rel_tol=1e-14)
    assert math.isclose(g.r[3], g.dr / 2, rel_tol=1e-12) and g.r[g.interior].size == N - 6
    with h5py.File(runs[mode], "r") as f:
        assert set(run.timeseries) == set(f["timeseries"])
        for k in f["timeseries"]:
            np.testing.assert_array_equal(run.timeseries[k], f["timeseries"][k][:])
        assert set(run.attrs) == set(f.attrs)
    np.testing.assert_array_equal(run.timeseries["step"], np.arange(0, STEPS + 1, 10))
    np.testing.assert_allclose(run.t_ms, run.t * MSUN_SECONDS * 1e3, rtol=1e-15)
    assert [s.step for s in run.snapshots] == [0, 20, 40]
    assert math.isclose(run.snapshots[-1].t, run.t[-1], rel_tol=1e-14)
    snap = run.snapshots[1]
    assert snap["rho0"].shape == (N,) and "D" in snap and "c2p_status" in snap.keys()
    assert ("lapse" in snap) == (mode == "dynamic")
    present = set(run.timeseries) | {k for s in run.snapshots for k in s.keys()}
    assert set(run.units) == present
    assert all(run.units[k] == UNITS[k] for k in present)
    assert run.units["rho_c"] == "M_sun^-2"
    assert run.attrs["numba_threads"] == 1 and run.attrs["kernels"] == "serial"
    assert run.attrs["code"] == "tovflow" and isinstance(run.attrs["wall_seconds"], float)
    assert run.checkpoint["books"].shape == (6,) and run.checkpoint["step"] == STEPS
    books = run.rest_mass_books()
    assert books.shape == (ROWS,) and np.max(np.abs(books)) < 1e-14
    # the identity by hand
    ts = run.timeseries
    dm = ts["baryon_mass"] - ts["baryon_mass"][0]
    booked = ts["mass_reset"] + ts.get("mass_excised", 0.0) - ts["mass_outflow"]
    np.testing.assert_allclose(dm - booked, books, rtol=0, atol=1e-18)
    with pytest.raises(ValueError, match="too short"):
        run_mode_frequencies(run)
    light = load_run(runs[mode], snapshots=False)
    assert light.snapshots == [] and light.units == run.units


def _old_file(path, t, rho_c, checkpoint=True):
    """A file of the layout before 2026-12-04: Cowling columns only, books (4,), no
    numba_threads / kernels, config without the later options."""
    config = {"K": 100.0, "c2p": "kastaun", "c2p_tol": 1e-13, "cfl": 0.1, "eos": "ideal",
              "formulation": "partial", "gamma": 2.0, "mode": "cowling", "num_points": N,
              "output": str(path), "path": "fused", "r_max": 20.0, "recon": "mp5",
              "rho_central": 1.28e-3, "rho_floor": 1e-13, "riemann": "hll",
              "snapshot_every": None, "steps": None, "stop_on_c2p_failure": True,
              "t_final": float(t[-1]), "threads": "auto", "timeseries_every": 10}
    star = {"C": 0.146069, "Gamma": 2.0, "K": 100.0, "M0": 1.506176, "M_star": 1.400160,
            "R_iso": 8.125144, "R_schw": 9.585624, "alpha_c": 0.669861, "psi4_c": 2.031847,
            "rho_central": 1.28e-3}
    dr = 20.0 / (N - 3.5)
    r = (np.arange(N) - 2.5) * dr
    with h5py.File(path, "w") as f:
        a = f.attrs
        a["config"] = json.dumps(config, sort_keys=True)
        a["code_version"] = "0.1.0"
        a["code"] = "tovflow"
        a["units"] = "G = c = M_sun = 1 (1 M_sun = 4.925490947e-6 s = 1.476625 km)"
        a["tov"] = json.dumps(star, sort_keys=True)
        for k, v in star.items():
            a[f"tov_{k}"] = v
        a["created"] = "2026-11-30T12:00:00+00:00"
        a["status"] = "completed"
        a["wall_seconds"] = 1.0
        g = f.create_group("grid")
        g.create_dataset("r", data=r)
        g.attrs.update({"N": N, "r_max": float(r[-1]), "dr": dr, "num_ghosts": 3})
        ts = f.create_group("timeseries")
        n = t.size
        m = 1.5069 + np.zeros(n)
        cols = {"t": t, "rho_c": rho_c, "rho_max": rho_c, "v_c": np.zeros(n),
                "max_abs_v": np.zeros(n), "baryon_mass": m - 1e-9, "mass_outflow": np.zeros(n),
                "mass_reset": np.full(n, -1e-9), "c2p_failures": np.zeros(n),
                "atmosphere_resets": np.zeros(n)}
        cols["baryon_mass"][0] = 1.5069
        cols["mass_reset"][0] = 0.0
        for k, v in cols.items():
            ts.create_dataset(k, data=v)
        ts.create_dataset("step", data=np.arange(n, dtype=np.int64) * 10)
        s = f.create_group("snapshots")
        for step in (20, 0):     # written out of order: load_run sorts by step
            sg = s.create_group(f"{step:09d}")
            sg.attrs["t"], sg.attrs["step"] = step * 0.1 * dr, step
            for k in ("r", "rho0", "vr", "press", "eps", "W", "alpha", "D", "S_r", "tau"):
                sg.create_dataset(k, data=r if k == "r" else np.ones(N))
            sg.create_dataset("c2p_status", data=np.zeros(N, dtype=np.int8))
        if checkpoint:
            c = f.create_group("checkpoint")
            c.create_dataset("U", data=np.zeros((3, N)))
            c.create_dataset("prim", data=np.zeros((6, N)))
            c.create_dataset("books", data=np.array([0.0, -1e-9, 0.0, 0.0]))
            c.attrs["step"], c.attrs["t"] = 20, 20 * 0.1 * dr


def test_old_layout_and_mode_frequencies(tmp_path):
    expected = expected_modes({"mode": "cowling", "K": 100.0, "gamma": 2.0,
                               "rho_central": 1.28e-3})
    t = np.arange(0.0, 2000.0, 0.5)
    rho_c = 1.28e-3 * (1 + sum(a * np.sin(2 * np.pi * expected[k] * 1e3 * MSUN_SECONDS * t)
                               for k, a in (("F", 1e-5), ("H1", 4e-6), ("H2", 2e-6))))
    path = tmp_path / "old.h5"
    _old_file(path, t, rho_c)
    run = load_run(path)
    assert run.mode == "cowling" and run.status == "completed"
    assert run.attrs.get("numba_threads") is None and run.attrs.get("kernels") is None
    assert "alpha_c" not in run.timeseries and "mass_excised" not in run.timeseries
    assert run.checkpoint["books"].shape == (4,)
    assert [s.step for s in run.snapshots] == [0, 20]
    assert all(v is not None for v in run.units.values())
    np.testing.assert_allclose(run.rest_mass_books(), 0.0, atol=1e-15)
    measured, exp = run_mode_frequencies(run)
    assert exp == expected
    for k in ("F", "H1", "H2"):
        assert abs(measured[k] / expected[k] - 1) < 2e-3, (k, measured[k], expected[k])
    path2 = tmp_path / "oldest.h5"
    _old_file(path2, t[:20], rho_c[:20], checkpoint=False)
    with h5py.File(path2, "a") as f:
        del f.attrs["wall_seconds"]
        del f.attrs["tov"]
    run2 = load_run(path2)
    assert run2.checkpoint is None and run2.attrs.get("wall_seconds") is None
    assert run2.star["M_star"] == 1.400160 and set(run2.star) == set(STAR_UNITS)


@pytest.mark.parametrize("mode", ["cowling", "dynamic"])
def test_load_header_reads_the_attributes_only(runs, mode):
    full, head = load_run(runs[mode]), load_header(runs[mode])
    assert head.attrs == full.attrs and head.config == full.config and head.star == full.star
    assert head.mode == mode and head.status == "completed"
    assert head.timeseries == {} and head.snapshots == [] and head.grid is None
    assert head.checkpoint == {"step": full.checkpoint["step"], "t": full.checkpoint["t"]}


def test_not_a_tovflow_file(tmp_path):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f.create_dataset("timeseries/t", data=np.arange(3.0))
        f.attrs["code"] = "something else"
    with pytest.raises(ValueError, match=re.escape(str(other))):
        load_run(other)
    text = tmp_path / "notes.h5"
    text.write_text("not HDF5\n")
    with pytest.raises(OSError, match=re.escape(str(text))):
        load_run(text)
    with pytest.raises(OSError, match=re.escape(str(tmp_path / "missing.h5"))):
        load_run(tmp_path / "missing.h5")
    for path, error in ((other, ValueError), (text, OSError),
                        (tmp_path / "missing.h5", FileNotFoundError)):
        with pytest.raises(error, match=re.escape(str(path))):
            load_header(path)
