"""Compile time of ``inline="always"``: copy a callee's variable scope once, not per block.

Numba's inliner (``numba.core.inline_closurecall.InlineWorker.inline_ir``, Numba 0.68)
copies the callee IR block by block, each block with its own ``copy.deepcopy`` and a fresh
memo. A variable's deep copy includes its scope, which lists every variable of the callee,
so each inlining costs (blocks x variables) of the callee, twice (the inliner keeps an
unmutated copy as well). For the fused drivers, whose passes are large inlined callees,
that is about a tenth of a cold start (0.9 s of the Cowling driver's compile; Numba issues
#8989 and #9204).

``shared_scope_copies()`` is a context manager under which the copies of the blocks of one
IR share one memo, i.e. one copy of the scope: the same result as a deep copy of the whole
block dictionary at once. A new memo starts with every new scope and whenever a block comes
round again (a second copy of the same IR). Only the copying inside the inliner is
affected, only for the duration of the ``with`` block (the run's warm-up compile, see
``Simulation.warmup``), so the compiled code is unchanged; it does nothing if the inliner
is not the one described here.
"""

import contextlib
import copy
import threading
import types

_LOCK = threading.RLock()


def _inliner_module():
    """Numba's inliner module if it copies blocks as described above, else None."""
    try:
        from numba.core import inline_closurecall
    except ImportError:  # pragma: no cover
        return None
    if inline_closurecall.__dict__.get("copy") is not copy or not hasattr(
            inline_closurecall.InlineWorker, "inline_ir"):
        return None
    return inline_closurecall


def _block_sharing_deepcopy():
    """A ``deepcopy`` that copies consecutive blocks of one IR with one memo."""
    from numba.core import ir

    shared = {"scope": None, "memo": {}}

    def deepcopy(x, memo=None):
        if memo is None and isinstance(x, ir.Block):
            if shared["scope"] is not x.scope or id(x) in shared["memo"]:
                shared["scope"], shared["memo"] = x.scope, {}
            return copy.deepcopy(x, shared["memo"])
        return copy.deepcopy(x, memo)

    return deepcopy


@contextlib.contextmanager
def shared_scope_copies():
    """Within the block, Numba's inliner copies each callee scope once per inlining."""
    with _LOCK:
        module = _inliner_module()
        if module is None:
            yield False
            return
        module.copy = types.SimpleNamespace(deepcopy=_block_sharing_deepcopy(),
                                            copy=copy.copy)
        try:
            yield True
        finally:
            module.copy = copy
