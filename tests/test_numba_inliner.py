"""``shared_scope_copies``: Numba's inliner copies a callee's scope once per inlining while
the context is active (cold-start compile time), the compiled code is the same, and the
patch is applied only on the Numba versions it was checked on."""

import numba
import numpy as np
from numba.core import inline_closurecall

from source import jit
from source.evolution import fused
from source.evolution.simulation import RunConfig, build_simulation
from source.jit import INLINER_PATCH_NUMBA_VERSIONS, build_closure, shared_scope_copies


def test_the_patch_is_active_only_inside_the_context():
    assert numba.__version__ in INLINER_PATCH_NUMBA_VERSIONS, (
        f"Numba {numba.__version__}: check the inliner patch on it (this test and the next) "
        "and add the version to source.jit.INLINER_PATCH_NUMBA_VERSIONS")
    original = inline_closurecall.copy
    with shared_scope_copies() as active:
        assert active, "the inliner of this Numba version is not the one the patch expects"
        assert inline_closurecall.copy is not original
        with shared_scope_copies() as nested:      # nested use: a no-op, no deadlock
            assert not nested
    assert inline_closurecall.copy is original


def test_the_patch_is_a_no_op_on_an_unchecked_numba_version(monkeypatch):
    original = inline_closurecall.copy
    monkeypatch.setattr(numba, "__version__", "0.99.0")
    assert jit._inliner_module("0.99.0") is None
    with shared_scope_copies() as active:
        assert not active
        assert inline_closurecall.copy is original
    assert inline_closurecall.copy is original


def test_kernels_compiled_under_it_compute_the_same_bits():
    """The fused RHS (three large inlined passes) compiled twice, with and without the
    shared copies, gives bit-identical right-hand sides of a perturbed star."""
    sim = build_simulation(RunConfig(mode="cowling", num_points=120, r_max=20.0, steps=1,
                                     threads="1", perturbation="mode"))
    st = sim.stepper
    scheme = st.scheme
    body = fused._fused_rhs_serial.py_func
    results = []
    for patched in (False, True):
        compiled = build_closure(body, f"_rhs_inliner_test_{patched}", cache=False,
                                 error_model="numpy")
        rhs = np.zeros_like(sim.U)
        work = fused.cowling_work(sim.grid.N)
        args = (sim.U, rhs, st.model, work, sim.eos.params, sim.hydro.atm_packed, scheme.recon,
                scheme.solver, scheme.formulation, scheme.c2p_method)
        if patched:
            with shared_scope_copies() as active:
                assert active
                compiled(*args)
        else:
            compiled(*args)
        results.append(rhs)
    assert np.any(results[0] != 0.0)
    assert np.array_equal(results[0], results[1])
