"""Where a Cowling RHS evaluation spends its time, per EOS: the polytrope (ideal gas), SLy of
the piecewise polytrope and SLy of the table (both hybrid), each on its state at t = 300.

    NUMBA_NUM_THREADS=1 python profiling/profile_eos_rhs.py --repeat 15

The fused RHS (``fused.cowling_rhs_passes``) is timed whole and split into its passes:
cons2prim of every cell, the face pass split in three (the density variable of every
cell, reconstruction and the face density's inverse with the face limiter, the Riemann
solver on the stored face states) and the cell pass (divergence and sources). The pieces
are the same point functions the fused kernel calls, in serial loops compiled here (not
cached; the face states and their cold states are stored between the last two face
pieces; the split is a copy of ``fused._face_pass`` and checked to give its fluxes bit for
bit). CPU time of the process, interleaved rounds, medians per RHS evaluation.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from numba import njit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SLY_TABLE = ROOT / "source" / "matter" / "eos" / "tables" / "LALSimNeutronStarEOS_SLY.dat"

from source.core.spacing import NUM_GHOSTS  # noqa: E402
from source.evolution.fused import _c2p_pass, _cell_pass, cowling_rhs_passes  # noqa: E402
from source.jit import unowned  # noqa: E402
from source.matter.eos.eos import eos_density_variable, eos_face_state  # noqa: E402
from source.matter.hydro.geometry import F_ALPHA, F_BETA, F_E6PHI, F_GRR  # noqa: E402
from source.matter.hydro.reconstruction import reconstruct_left  # noqa: E402
from source.matter.hydro.riemann import (  # noqa: E402
    face_flux_with_cold,
    limit_face_state_with_cold,
    velocity_from_wv,
)
from source.matter.hydro.valencia_reference_metric import find_static_vacuum  # noqa: E402


@njit
def whole_rhs(reps, U, rhs, model, work, eos, atm, recon, solver, formulation, c2p):
    eos, model, work = unowned(eos), unowned(model), unowned(work)   # as the RK4 driver
    for _ in range(reps):
        cowling_rhs_passes(U, rhs, model, work, eos, atm, recon, solver, formulation, c2p)


@njit
def c2p_only(reps, U, model, work, eos, atm, c2p):
    eos, model, work = unowned(eos), unowned(model), unowned(work)
    for _ in range(reps):
        _c2p_pass(U, work.prim, work.status, model.gc, eos, atm, c2p, model.tol,
                  model.max_iter)
    find_static_vacuum(work.status, work.vacuum)


@njit
def density_variable_only(reps, prim, eos, atm, dens):
    eos = unowned(eos)
    dens_floor = eos_density_variable(eos, atm.rho_floor)
    for _ in range(reps):
        for i in range(prim.shape[1]):
            rho = prim[0, i]
            dens[i] = dens_floor if rho == atm.rho_floor else eos_density_variable(eos, rho)


@njit
def reconstruct_only(reps, prim, vacuum, gf, recon, eos, atm, dens, faces):
    eos = unowned(eos)
    n = prim.shape[1]
    for _ in range(reps):
        for f in range(NUM_GHOSTS, n - NUM_GHOSTS + 1):
            if vacuum[f - 1] and vacuum[f]:
                continue
            k = f - 1
            z_m3 = prim[1, f - 3] * prim[4, f - 3]
            z_m2 = prim[1, f - 2] * prim[4, f - 2]
            z_m1 = prim[1, f - 1] * prim[4, f - 1]
            z_0 = prim[1, f] * prim[4, f]
            z_p1 = prim[1, f + 1] * prim[4, f + 1]
            z_p2 = prim[1, f + 2] * prim[4, f + 2]
            rL, coldL = eos_face_state(eos, reconstruct_left(
                recon, dens[f - 3], dens[f - 2], dens[f - 1], dens[f], dens[f + 1]))
            rR, coldR = eos_face_state(eos, reconstruct_left(
                recon, dens[f + 2], dens[f + 1], dens[f], dens[f - 1], dens[f - 2]))
            pL = reconstruct_left(recon, prim[2, f - 3], prim[2, f - 2], prim[2, f - 1],
                                  prim[2, f], prim[2, f + 1])
            pR = reconstruct_left(recon, prim[2, f + 2], prim[2, f + 1], prim[2, f],
                                  prim[2, f - 1], prim[2, f - 2])
            zL = reconstruct_left(recon, z_m3, z_m2, z_m1, z_0, z_p1)
            zR = reconstruct_left(recon, z_p2, z_p1, z_0, z_m1, z_m2)
            grr = gf[F_GRR, k]
            faces[0, k], faces[1, k], faces[2, k], coldL = limit_face_state_with_cold(
                rL, velocity_from_wv(zL, grr), pL, coldL, grr, atm, eos)
            faces[3, k], faces[4, k], faces[5, k], coldR = limit_face_state_with_cold(
                rR, velocity_from_wv(zR, grr), pR, coldR, grr, atm, eos)
            faces[6, k], faces[7, k], faces[8, k] = coldL
            faces[9, k], faces[10, k], faces[11, k] = coldR


@njit
def riemann_only(reps, prim, vacuum, gf, solver, eos, atm, faces, flux):
    eos = unowned(eos)
    n = prim.shape[1]
    for _ in range(reps):
        for f in range(NUM_GHOSTS, n - NUM_GHOSTS + 1):
            if vacuum[f - 1] and vacuum[f]:
                continue
            k = f - 1
            flux[0, k], flux[1, k], flux[2, k] = face_flux_with_cold(
                solver, faces[0, k], faces[1, k], faces[2, k],
                (faces[6, k], faces[7, k], faces[8, k]), faces[3, k], faces[4, k],
                faces[5, k], (faces[9, k], faces[10, k], faces[11, k]), gf[F_ALPHA, k],
                gf[F_BETA, k], gf[F_GRR, k], gf[F_E6PHI, k], eos, atm)


@njit
def cell_only(reps, formulation, flux, prim, vacuum, gc, gf, dx, rhs):
    for _ in range(reps):
        _cell_pass(formulation, flux, prim, vacuum, gc, gf, dx, rhs)


def _evolved(sim, name, a):
    """The state of ``sim`` at ``a.sustained_t`` (read from ``a.state_dir`` if kept)."""
    from source.evolution.benchmark import evolved_state

    if a.state_dir is None:
        return evolved_state(sim, a.sustained_t)
    path = Path(a.state_dir) / f"{name.replace(' ', '_')}_{a.num_points}_{a.sustained_t:g}.npz"
    if path.exists():
        with np.load(path) as f:
            return {key: f[key] for key in f.files}
    state = evolved_state(sim, a.sustained_t)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **state)
    return state


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--num-points", type=int, default=400)
    p.add_argument("--reps", type=int, default=200)
    p.add_argument("--repeat", type=int, default=15)
    p.add_argument("--sustained-t", type=float, default=300.0)
    p.add_argument("--state-dir", default=None,
                   help="keep the evolved states here (.npz) and reuse them")
    a = p.parse_args(argv)

    from source.evolution.benchmark import benchmark_simulation, machine_info

    stars = {
        "polytrope": {},
        "SLy PWP": {"eos_id": "sly", "mass": 1.4},
        "SLy table": {"eos_table": str(SLY_TABLE), "mass": 1.4},
    }
    setups = {}
    for name, options in stars.items():
        sim = benchmark_simulation(mode="cowling", num_points=a.num_points, **options)
        sim.restore(_evolved(sim, name, a))
        st = sim.stepper
        sc = st.scheme
        eos, atm = sim.eos.params, sim.hydro.atm_packed
        n = sim.grid.N
        U = sim.U.copy()
        rhs = np.zeros_like(U)
        work = st.work
        faces = np.zeros((12, n - 1))
        dens = np.zeros(n)
        recon, solver, form, c2p = (int(sc.recon), int(sc.solver), int(sc.formulation),
                                    int(sc.c2p_method))
        model = st.model
        pieces = {
            "whole RHS": lambda r, U=U, rhs=rhs, model=model, work=work, eos=eos, atm=atm,
            recon=recon, solver=solver, form=form, c2p=c2p: whole_rhs(
                r, U, rhs, model, work, eos, atm, recon, solver, form, c2p),
            "c2p pass": lambda r, U=U, model=model, work=work, eos=eos, atm=atm, c2p=c2p:
                c2p_only(r, U, model, work, eos, atm, c2p),
            "density variable": lambda r, work=work, eos=eos, atm=atm, dens=dens:
                density_variable_only(r, work.prim, eos, atm, dens),
            "reconstruction+inverse": lambda r, work=work, model=model, recon=recon, eos=eos,
            atm=atm, dens=dens, faces=faces: reconstruct_only(
                r, work.prim, work.vacuum, model.gf, recon, eos, atm, dens, faces),
            "riemann": lambda r, work=work, model=model, solver=solver, eos=eos, atm=atm,
            faces=faces: riemann_only(r, work.prim, work.vacuum, model.gf, solver, eos, atm,
                                      faces, work.flux),
            "cell pass": lambda r, form=form, work=work, model=model, rhs=rhs: cell_only(
                r, form, work.flux, work.prim, work.vacuum, model.gc, model.gf, model.dx,
                rhs),
        }
        for piece, fn in pieces.items():   # compile, and fill prim / dens / faces in order
            fn(1)
            if piece == "whole RHS":
                whole_flux = work.flux.copy()
        # the split face pass is a copy of fused._face_pass: it must give the same fluxes
        if not np.array_equal(work.flux, whole_flux):
            raise RuntimeError(f"{name}: the split face pass differs from fused._face_pass; "
                               "update reconstruct_only / riemann_only")
        setups[name] = pieces
        print(f"{name}: {int(np.count_nonzero(~work.vacuum))} non-vacuum cells of {n}",
              flush=True)

    times = {name: {piece: [] for piece in pieces} for name, pieces in setups.items()}
    for _ in range(a.repeat):
        for name, pieces in setups.items():
            for piece, fn in pieces.items():
                t0 = time.process_time()
                fn(a.reps)
                times[name][piece].append((time.process_time() - t0) / a.reps)
    print(f"Cowling RHS pieces, N = {a.num_points}, from t = {a.sustained_t:g}, median of "
          f"{a.repeat} x {a.reps} evaluations (CPU time); {machine_info()}")
    names = list(setups)
    print(f"  {'piece':24s}" + "".join(f"{name:>18s}" for name in names))
    for piece in setups[names[0]]:
        row = [statistics.median(times[name][piece]) * 1e6 for name in names]
        print(f"  {piece:24s}" + "".join(f"{value:13.1f} us x{value / row[0]:.1f}"
                                           if value > 0 else f"{value:18.1f}"
                                           for value in row))


if __name__ == "__main__":
    main()
