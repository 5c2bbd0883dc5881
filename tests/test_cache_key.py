"""The Numba cache directory is keyed by the sources compiled code can depend on, and only
by those: never a stale kernel, no recompilation after editing orchestration code."""

import re
import shutil
from pathlib import Path

from source import __version__
from source.jit import _imports, _module_of, defines_compiled_code, kernel_sources, source_hash

ROOT = Path(__file__).resolve().parents[1] / "source"


def test_every_compiled_module_and_its_imports_are_hashed():
    kept = {_module_of(p, ROOT) for p in kernel_sources()}
    modules = {_module_of(p, ROOT): p for p in ROOT.rglob("*.py")}
    for name, path in modules.items():
        text = path.read_text()
        imports = _imports(text, name, path.name == "__init__.py")
        if defines_compiled_code(text, imports):
            assert name in kept, name
        if name in kept:
            for imported in imports:
                while imported and imported not in modules:
                    imported = imported.rpartition(".")[0]
                assert not imported or imported in kept, (name, imported)
    for name in ("source.core.spacing", "source.core.grid", "source.evolution.fused",
                 "source.evolution.dynamic", "source.bssn.bssnrhs",
                 "source.matter.hydro.cons2prim", "source.matter.hydro.riemann",
                 "source.jit"):
        assert name in kept, name
    for name in ("source.sweep.driver", "source.io", "source.evolution.runner",
                 "source.evolution.options", "source.evolution.analysis", "source.warmup"):
        assert name not in kept, name


def test_the_project_decorators_mark_a_compiled_module():
    """A module whose only sign of compiled code is ``@kernel`` from ``source.jit``."""
    text = "from source.jit import kernel\n\n@kernel\ndef f(x):\n    return x\n"
    assert defines_compiled_code(text, _imports(text, "source.x", False))
    text = "from source.jit import numba_cache_dir\n"
    assert not defines_compiled_code(text, _imports(text, "source.x", False))


def test_hash_follows_kernel_sources_only(tmp_path):
    copy = tmp_path / "source"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = source_hash(__version__, copy)
    sweep = copy / "sweep" / "spec.py"
    sweep.write_text(sweep.read_text() + "\n# an edit of orchestration code\n")
    assert source_hash(__version__, copy) == before
    spacing = copy / "core" / "spacing.py"
    text = spacing.read_text()
    assert re.search(r"^NUM_GHOSTS = 3$", text, re.MULTILINE)
    spacing.write_text(text + "\n# a constant module read by compiled code\n")
    after_spacing = source_hash(__version__, copy)
    assert after_spacing != before
    riemann = copy / "matter" / "hydro" / "riemann.py"     # compiled with @kernel only
    assert "@njit" not in riemann.read_text()
    riemann.write_text(riemann.read_text() + "\n# an edit of a kernel\n")
    assert source_hash(__version__, copy) != after_spacing
