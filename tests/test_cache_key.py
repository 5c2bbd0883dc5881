"""The Numba cache directory is keyed by the sources compiled code can depend on, and only
by those: never a stale kernel, no recompilation after editing orchestration code."""

import re
import shutil
from pathlib import Path

from source import _JIT, _imports, _module_of, _source_hash, kernel_sources

ROOT = Path(__file__).resolve().parents[1] / "source"


def test_every_compiled_module_and_its_imports_are_hashed():
    kept = {_module_of(p, ROOT) for p in kernel_sources()}
    modules = {_module_of(p, ROOT): p for p in ROOT.rglob("*.py")}
    for name, path in modules.items():
        text = path.read_text()
        if _JIT.search(text):
            assert name in kept, name
        if name in kept:
            for imported in _imports(text, name, path.name == "__init__.py"):
                while imported and imported not in modules:
                    imported = imported.rpartition(".")[0]
                assert not imported or imported in kept, (name, imported)
    for name in ("source.core.spacing", "source.evolution.fused", "source.evolution.dynamic",
                 "source.bssn.bssnrhs", "source.matter.hydro.cons2prim"):
        assert name in kept
    for name in ("source.sweep.driver", "source.io", "source.evolution.runner",
                 "source.evolution.options", "source.evolution.analysis"):
        assert name not in kept


def test_hash_follows_kernel_sources_only(tmp_path):
    copy = tmp_path / "source"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = _source_hash(copy)
    sweep = copy / "sweep" / "spec.py"
    sweep.write_text(sweep.read_text() + "\n# an edit of orchestration code\n")
    assert _source_hash(copy) == before
    spacing = copy / "core" / "spacing.py"
    text = spacing.read_text()
    assert re.search(r"^NUM_GHOSTS = 3$", text, re.MULTILINE)
    spacing.write_text(text + "\n# a constant module read by compiled code\n")
    assert _source_hash(copy) != before
