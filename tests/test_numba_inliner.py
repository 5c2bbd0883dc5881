"""``shared_scope_copies``: while the context is active Numba's inliner splices a callee's
fresh IR in without copying it and copies any other callee scope once per inlining
(cold-start compile time), the compiled code is the same, and the patch is applied only on
the Numba versions it was checked on."""

import re

import numba
import numpy as np
from numba.core import inline_closurecall
from numba.core.compiler import Flags
from numba.core.targetconfig import TargetConfig

from source import jit
from source.evolution import fused
from source.evolution.simulation import RunConfig, build_simulation
from source.jit import INLINER_PATCH_NUMBA_VERSIONS, build_closure, shared_scope_copies


def test_the_patch_is_active_only_inside_the_context():
    assert numba.__version__ in INLINER_PATCH_NUMBA_VERSIONS, (
        f"Numba {numba.__version__}: check the inliner patch on it (this test and the next) "
        "and add the version to source.jit.INLINER_PATCH_NUMBA_VERSIONS")
    original = inline_closurecall.copy
    worker = inline_closurecall.InlineWorker
    original_inline_function = worker.inline_function
    original_hash, original_eq = TargetConfig.__hash__, TargetConfig.__eq__
    with shared_scope_copies() as active:
        assert active, "the inliner of this Numba version is not the one the patch expects"
        assert inline_closurecall.copy is not original
        assert worker.inline_function is not original_inline_function
        assert TargetConfig.__eq__ is not original_eq
        with shared_scope_copies() as nested:      # nested use: a no-op, no deadlock
            assert not nested
    assert inline_closurecall.copy is original
    assert worker.inline_function is original_inline_function
    assert (TargetConfig.__hash__, TargetConfig.__eq__) == (original_hash, original_eq)


def test_compile_flags_compare_as_numba_compares_them():
    """The patched ``__hash__`` and ``__eq__`` of Numba's compile flags give Numba's own
    results: equal flags (one with an option set to its default value, one with it unset)
    and flags that differ in one option."""
    __hash__, __eq__ = jit._config_comparison(TargetConfig)
    plain, parallel, explicit = Flags(), Flags(), Flags()
    parallel.nrt = not plain.nrt
    explicit.nrt = plain.nrt                        # set, to its default value
    copied = plain.copy()
    for a in (plain, parallel, explicit, copied):
        assert __hash__(a) == hash(a)
        for b in (plain, parallel, explicit, copied):
            assert __eq__(a, b) == (a == b)
    assert __eq__(plain, explicit) and not __eq__(plain, parallel)
    assert __eq__(plain, 1) is NotImplemented


def test_the_patch_is_a_no_op_on_an_unchecked_numba_version(monkeypatch):
    original = inline_closurecall.copy
    monkeypatch.setattr(numba, "__version__", "0.99.0")
    assert jit._inliner_module("0.99.0") is None
    with shared_scope_copies() as active:
        assert not active
        assert inline_closurecall.copy is original
    assert inline_closurecall.copy is original


def _renamed(llvm_ir):
    """LLVM IR with every name, label and comment replaced by a placeholder: the names of
    inlined variables and blocks carry per-compilation counters."""
    for pattern, placeholder in ((r'"[^"]*"', '"x"'), (r"%[\w.$-]+", "%v"), (r"@[\w.$]+", "@g"),
                                 (r"![\w.]+", "!m"), (r"#\d+", "#a"),
                                 (r"(?m)^([^;\"]*);.*$", r"\1"), (r"(?m)^[\w.$-]+:", "B:"),
                                 (r"\[\d+ x i8\]", "[n x i8]"), (r"(?m)[ \t]+$", "")):
        llvm_ir = re.sub(pattern, placeholder, llvm_ir)
    return llvm_ir


def test_kernels_compiled_under_it_compute_the_same_bits():
    """The fused RHS (three large inlined passes) compiled twice, with and without the
    patch, is the same LLVM IR but for names, and gives bit-identical right-hand sides of
    a perturbed star."""
    sim = build_simulation(RunConfig(mode="cowling", num_points=120, r_max=20.0, steps=1,
                                     threads="1", perturbation="mode"))
    st = sim.stepper
    scheme = st.scheme
    body = fused._fused_rhs_serial.py_func
    results, llvm = [], []
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
        llvm.append(_renamed(next(iter(compiled.inspect_llvm().values()))))
    assert np.any(results[0] != 0.0)
    assert np.array_equal(results[0], results[1])
    assert len(llvm[0]) > 10000 and llvm[0] == llvm[1]
