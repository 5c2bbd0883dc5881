"""A 1.4 M_sun star from a tabulated EOS (LALSimulation's SLy table, hybrid with
Gamma_th = 1.8) through the whole code: Cowling and dynamic runs, its measured F-mode against
the linear F of the same star (``source.initialdata.radial_modes`` on the same table), the
rest-mass books, cons2prim failures, the record of the table in the output and restarts.
"""

import json
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest
from helpers import evolve_by_name

from source.core.spacing import NUM_GHOSTS
from source.evolution import columns, integrator
from source.evolution.analysis import bands_around, expected_modes, mode_frequencies
from source.evolution.runner import restart_config, run
from source.evolution.simulation import ConfigError, RunConfig, build_simulation
from source.matter.eos.eos import EOS_BAROTROPIC, EOS_HYBRID, HYBRID_TABLE_LEN
from source.matter.eos.tabulated import table_sha256

SLY_TABLE = (Path(__file__).resolve().parents[1] / "source" / "matter" / "eos" / "tables"
             / "LALSimNeutronStarEOS_SLY.dat")


def books(ts):
    m = ts["baryon_mass"]
    return np.max(np.abs(m - m[0] + ts["mass_outflow"] - ts["mass_reset"])) / m[0]


def table_star(**changes):
    return RunConfig(**{"eos_table": str(SLY_TABLE), "mass": 1.4, "num_points": 400,
                        "r_max": 20.0, "cfl": 0.25, "timeseries_every": 5, "threads": "1",
                        **changes})


def test_star_of_mass_and_evolution_eos():
    sim = build_simulation(table_star(steps=0))
    assert sim.tov.M_star == pytest.approx(1.4, rel=1e-9)
    assert sim.eos.params.kind == EOS_HYBRID and len(sim.eos.params) == HYBRID_TABLE_LEN
    assert sim.config.eos_table_sha256 == table_sha256(SLY_TABLE)
    baro = build_simulation(table_star(steps=0, eos="polytrope"))
    assert baro.eos.params.kind == EOS_BAROTROPIC


def test_short_cowling_run():
    """CI sibling of the slow run: t = 100, the same grid and EOS."""
    sim, ts = evolve_by_name(table_star(t_final=100.0))
    assert np.all(ts["c2p_failures"] == 0)
    assert books(ts) < 1e-13
    assert abs(ts["rho_c"][-1] / ts["rho_c"][0] - 1) < 0.03


def test_crust_core_boundary_stays_cold():
    """The hybrid table kind reconstructs the face density through the cold pressure, as
    the piecewise polytrope does: the energy equation must not heat the star where the
    table's Gamma changes fast (crust-core interface, r ~ 0.9 R). Inside 0.92 R the thermal
    pressure is 1.4e-3 of P at t = 100 (1.9e-2 with rho reconstructed directly)."""
    sim, _ = evolve_by_name(table_star(t_final=100.0))
    (rho, _, press, _, _, _), _, _ = sim.primitives()
    inside = np.abs(sim.grid.r) < 0.92 * sim.tov.R_iso
    p_cold = sim.config.cold_eos().pressure(rho[inside])
    assert np.max((press[inside] - p_cold) / press[inside]) < 5e-3


def test_fused_equals_modular():
    """100 RK4 steps of the table star: the fused driver (face density from the face
    inverse of ln P_cold with its cold state, ``eos.eos_face_state``) reproduces the
    modular path (the same inverse, then ``eos_cold`` at the face density) to round-off,
    relative to the largest conserved variable D (the momentum of the nearly static star is
    5e-7 of it: relative to its own scale round-off is 1e-11, with the exact inverse too)."""
    common = {"num_points": 120, "steps": 100, "timeseries_every": 20}
    fused = build_simulation(table_star(path="fused", **common))
    modular = build_simulation(table_star(path="modular", **common))
    for sim in (fused, modular):
        ts = np.zeros((10, columns.NUM_TS))
        code, done, _, _ = sim.advance(100, ts)
        assert code == integrator.RUN_OK and done == 100
    interior = slice(NUM_GHOSTS, -NUM_GHOSTS)
    a, b = fused.U[:, interior], modular.U[:, interior]
    assert np.max(np.abs(a - b)) <= 1e-13 * np.max(np.abs(a[0]))


@pytest.mark.slow
def test_table_star_fundamental_mode():
    """t = 1000 at N = 400 (r_max = 20): F within 1 % of linear Cowling theory of the same
    star, books to round-off, no cons2prim failure."""
    sim, ts = evolve_by_name(table_star(t_final=1000.0))
    expected = expected_modes(sim.config.to_dict())
    got = mode_frequencies(ts["t"], ts["rho_c"], bands_around(expected))
    assert abs(got["F"] / expected["F"] - 1) < 0.01, (got, expected)
    assert np.all(ts["c2p_failures"] == 0)
    assert books(ts) < 1e-13


@pytest.mark.slow
def test_short_dynamic_run():
    """Hydro coupled to BSSN on the table: a short run stays on the star, no c2p failure.
    (Slow: it compiles the dynamic driver for the table kind, about 1 min; CI evolves the
    table in Cowling mode and the hybrid EOS in dynamic mode.)"""
    sim, ts = evolve_by_name(table_star(mode="dynamic", num_points=200, t_final=20.0))
    assert np.all(ts["c2p_failures"] == 0)
    assert np.all(np.isfinite(ts["rho_c"]))
    assert abs(ts["rho_c"][-1] / ts["rho_c"][0] - 1) < 0.02


def test_output_records_the_table_and_restart_checks_it(tmp_path):
    table = tmp_path / "sly.dat"
    shutil.copy(SLY_TABLE, table)
    out = tmp_path / "table.h5"
    run(table_star(eos_table=str(table), steps=2, checkpoint_every=1), out,
        log=lambda *a, **k: None)
    with h5py.File(out) as f:
        eos = json.loads(f.attrs["eos"])
        config = json.loads(f.attrs["config"])
    digest = table_sha256(table)
    assert eos["cold"]["table"] == {"path": str(table), "format": "lalsimulation",
                                    "sha256": digest}
    assert config["eos_table"] == str(table) and config["eos_table_sha256"] == digest
    cfg, _ = restart_config(out, steps=4)
    assert cfg.eos_table_sha256 == digest
    table.write_text(table.read_text().replace("e-09", "e-9", 1))   # same numbers, new hash
    with pytest.raises(ConfigError, match="--eos-table: .*changed"):
        restart_config(out, steps=4)


@pytest.mark.parametrize("changes, name", [
    ({"eos_id": "sly"}, "--eos-table"),        # table or catalogue, not both
    ({"eos": "ideal"}, "--eos"),
    ({"mass": 2.3}, "--mass"),                 # above the table's maximum mass
    ({"eos_table": "/nonexistent.dat"}, "--eos-table"),
])
def test_bad_table_options(changes, name):
    with pytest.raises(ConfigError, match=name):
        build_simulation(table_star(steps=1, **changes))
