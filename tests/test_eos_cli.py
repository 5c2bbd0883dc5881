"""Command lines of the EOS: --eos-table for runs and for the TOV tool, and the causal limit
(a star denser than the EOS's causal density is refused with one line and exit 2)."""

import subprocess
import sys
from pathlib import Path

import pytest

from source.evolution.simulation import RunConfig, build_simulation
from source.matter.eos.eos_catalogue import eos_from_catalogue

ROOT = Path(__file__).resolve().parents[1]
SLY_TABLE = ROOT / "source" / "matter" / "eos" / "tables" / "LALSimNeutronStarEOS_SLY.dat"


def run(*args, module=None):
    command = [sys.executable, "-m", module] if module else \
        [sys.executable, str(ROOT / "TOVEvolution.py")]
    return subprocess.run([*command, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)


def one_line_error(p):
    lines = p.stderr.strip().splitlines()
    return p.returncode == 2 and len(lines) == 1 and "Traceback" not in p.stderr


def test_star_above_the_causal_density_is_refused():
    """The issue's example: SLy at rho_c = 0.5 (c_s reaches 1 at 3.25e-3)."""
    p = run("--eos-id", "sly", "--rho-central", "0.5", "--steps", "1")
    assert one_line_error(p), p.stderr
    assert "--rho-central" in p.stderr and "c_s reaches 1 at rho = 0.00324987" in p.stderr


def test_table_star_above_the_causal_density_is_refused():
    p = run("--eos-table", str(SLY_TABLE), "--rho-central", "0.004", "--steps", "1")
    assert one_line_error(p), p.stderr
    assert "c_s reaches 1 at rho = 0.00340061" in p.stderr


def test_missing_table_is_refused():
    p = run("--eos-table", "no_such_table.dat", "--steps", "1")
    assert one_line_error(p), p.stderr
    assert "--eos-table" in p.stderr and "no such file" in p.stderr


def test_star_near_the_causal_density_is_warned():
    rho_causal = eos_from_catalogue("sly").rho_causal
    with pytest.warns(UserWarning, match="c_s reaches 1 at rho = 0.00324987"):
        build_simulation(RunConfig(eos_id="sly", rho_central=0.95 * rho_causal, steps=0,
                                   num_points=200, r_max=20.0))


def test_tov_tool_with_a_table(tmp_path):
    plot = tmp_path / "mr.png"
    p = run("--eos-table", str(SLY_TABLE), "--mass", "1.4", "--sequence", "--num", "12",
            "--plot", str(plot), module="source.initialdata.tov")
    assert p.returncode == 0, p.stderr
    assert "table LALSimNeutronStarEOS_SLY.dat" in p.stdout
    assert "11.72" in p.stdout and "maximum mass: M_max = 2.049" in p.stdout
    assert plot.stat().st_size > 0
    p = run("--eos-table", str(SLY_TABLE), "--eos-id", "sly", "--mass", "1.4",
            module="source.initialdata.tov")
    assert p.returncode == 2 and "not both" in p.stderr
