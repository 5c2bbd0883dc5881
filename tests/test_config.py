"""Configuration files, the options registry, extending a finished run, progress output."""

import json
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

import TOVEvolution
from source.evolution.options import BY_NAME, OPTIONS, read_config_file
from source.evolution.simulation import RunConfig

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--num-points", "100", "--r-max", "20", "--timeseries-every", "10",
         "--snapshot-every", "50", "--quiet"]


def config_of(path):
    with h5py.File(path, "r") as f:
        return json.loads(f.attrs["config"])


def test_every_option_is_a_config_field_with_a_flag_in_the_readme():
    fields = set(RunConfig.field_names())
    assert set(BY_NAME) <= fields
    assert fields - set(BY_NAME) == {"c2p_tol", "stop_on_c2p_failure"}   # internal
    readme = (ROOT / "README.md").read_text()
    for o in OPTIONS:
        assert f"`{o.flag}" in readme, o.flag
        if o.choices is not None:
            assert getattr(RunConfig(), o.name) in o.allowed() or o.name == "perturbation"


def test_readme_option_table_is_the_generated_one():
    from source.evolution.config import readme_table

    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- options-table -->\n")[1].split("\n<!-- /options-table -->")[0]
    assert block == readme_table(), "regenerate with python -m source.evolution.options"


def test_config_file_and_command_line(tmp_path):
    cfg = tmp_path / "star.toml"
    cfg.write_text('[grid_and_time]\nnum_points = 100\nr_max = 20.0\nsteps = 30\n'
                   '[numerical_methods]\nrecon = "mc"\n')
    a = tmp_path / "a.h5"
    assert TOVEvolution.main(["--config", str(cfg), "--quiet", "--output", str(a)]) == 0
    b = tmp_path / "b.h5"
    assert TOVEvolution.main(SMALL + ["--steps", "30", "--recon", "mc", "--output",
                                      str(b)]) == 0
    ca, cb = config_of(a), config_of(b)
    for k in ("num_points", "r_max", "steps", "recon", "riemann", "cfl"):
        assert ca[k] == cb[k], k
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        np.testing.assert_array_equal(fa["timeseries/rho_c"][:], fb["timeseries/rho_c"][:])
    # the command line overrides the file
    c = tmp_path / "c.h5"
    assert TOVEvolution.main(["--config", str(cfg), "--recon", "wenoz", "--quiet",
                              "--output", str(c)]) == 0
    assert config_of(c)["recon"] == "wenoz"


@pytest.mark.parametrize("text, needle", [
    ("foo = 1\n", "foo"),
    ("num_points = 'many'\n", "num_points"),
    ("[grid]\nr_max = 20.0\n[physics]\nr_max = 30.0\n", "r_max"),
    ("recon = 'ppm'\n", "--recon"),
    ("num_points = = 3\n", "TOML"),
])
def test_bad_config_files_exit_2(tmp_path, capsys, text, needle):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text)
    out = tmp_path / "x.h5"
    assert TOVEvolution.main(["--config", str(cfg), "--output", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0], err
    assert not out.exists()


def test_missing_config_file(tmp_path, capsys):
    assert TOVEvolution.main(["--config", str(tmp_path / "none.toml")]) == 2
    assert "--config" in capsys.readouterr().err


def test_print_config_round_trip(tmp_path, capsys):
    assert TOVEvolution.main(["--mode", "dynamic", "--num-points", "300", "--cfl", "0.25",
                              "--perturbation", "velocity", "--perturbation-amplitude",
                              "0.02", "--print-config"]) == 0
    text = capsys.readouterr().out
    path = tmp_path / "printed.toml"
    path.write_text(text)
    again = RunConfig(**read_config_file(path))
    want = RunConfig(mode="dynamic", num_points=300, cfl=0.25, perturbation="velocity",
                     perturbation_amplitude=0.02)
    assert again == want


def test_print_config_round_trip_of_a_switch(tmp_path, capsys):
    """A boolean option (--well-balanced) is written as ``true`` and read back."""
    assert TOVEvolution.main(["--well-balanced", "--perturbation", "velocity",
                              "--print-config"]) == 0
    path = tmp_path / "printed.toml"
    path.write_text(capsys.readouterr().out)
    assert "well_balanced = true" in path.read_text()
    again = RunConfig(**read_config_file(path))
    assert again == RunConfig(well_balanced=True, perturbation="velocity")


@pytest.mark.parametrize("path", sorted(p for p in (ROOT / "examples").rglob("*.toml")
                                         if "sweeps" not in p.parts), ids=lambda p: p.name)
def test_examples_are_valid(path):
    RunConfig(**read_config_file(path)).validate()


def test_extend_a_finished_run_is_bit_identical(tmp_path):
    """A 100-step run continued to 200 steps (--restart-from with a later --steps) equals
    an uninterrupted 200-step run, and records its history."""
    full = tmp_path / "full.h5"
    assert TOVEvolution.main(SMALL + ["--steps", "200", "--output", str(full)]) == 0
    first = tmp_path / "first.h5"
    assert TOVEvolution.main(SMALL + ["--steps", "100", "--output", str(first)]) == 0
    ext = tmp_path / "ext.h5"
    assert TOVEvolution.main(["--restart-from", str(first), "--steps", "200", "--quiet",
                              "--output", str(ext)]) == 0
    with h5py.File(full, "r") as fa, h5py.File(ext, "r") as fb:
        for k in fa["timeseries"]:
            np.testing.assert_array_equal(fa["timeseries"][k][:], fb["timeseries"][k][:],
                                          err_msg=k)
        assert sorted(fa["snapshots"]) == sorted(fb["snapshots"])
        for s in fa["snapshots"]:
            np.testing.assert_array_equal(fa["snapshots"][s]["rho0"][:],
                                          fb["snapshots"][s]["rho0"][:])
        history = json.loads(fb.attrs["history"])
        assert history[-1]["step"] == 100 and history[-1]["changed"] == {"steps": 200}
    # a physics change is still refused
    assert TOVEvolution.main(["--restart-from", str(first), "--steps", "200", "--cfl",
                              "0.2", "--output", str(tmp_path / "no.h5")]) == 2
    # extending by time: t_final replaces the stored step count
    ext2 = tmp_path / "ext2.h5"
    assert TOVEvolution.main(["--restart-from", str(first), "--t-final", "3.0", "--quiet",
                              "--output", str(ext2)]) == 0
    assert config_of(ext2)["steps"] is None and config_of(ext2)["t_final"] == 3.0


def test_progress_lines_when_not_a_terminal(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    out = tmp_path / "p.h5"
    args = [a for a in SMALL if a != "--quiet"]
    assert TOVEvolution.main(args + ["--steps", "20", "--output", str(out)]) == 0
    text = capsys.readouterr().out
    assert "steps/s" in text and "ETA" in text


def test_progress_bar_on_a_terminal(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    out = tmp_path / "p.h5"
    args = [a for a in SMALL if a != "--quiet"]
    assert TOVEvolution.main(args + ["--steps", "20", "--output", str(out)]) == 0
    err = capsys.readouterr().err
    assert "20/20" in err and "step/s" in err
