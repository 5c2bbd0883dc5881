"""tovflow: spherically symmetric GR hydrodynamics of relativistic stars (Numba).

Importing the package points Numba's on-disk cache (``cache=True`` kernels) at a
directory keyed by a hash of the source files compiled code can depend on
(``kernel_sources``: the modules that define compiled functions and everything they
import from the package). Numba only checks the time stamp
of the file that defines a cached function, not of the functions it calls, so after an
edit of, say, ``riemann.py`` the cached fused driver in ``fused.py`` would otherwise keep
the old Riemann solver. A user-set ``NUMBA_CACHE_DIR`` is respected.
"""

import hashlib
import os
import re
from pathlib import Path

__version__ = "0.2.0"


_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]+)"
                     r"|import[ \t]+([\w.]+))", re.MULTILINE)
_JIT = re.compile(r"@(?:numba\.)?(?:njit|jit|vectorize|guvectorize|cfunc)\b|\bnjit\(")


def _module_of(path, root):
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(text, module, is_package):
    """Absolute names a module imports (anywhere in it, lazy imports too)."""
    package = module if is_package else module.rpartition(".")[0]
    out = set()
    for base, names, plain in _IMPORT.findall(text):
        if plain:
            out.add(plain)
            continue
        level = len(base) - len(base.lstrip("."))
        base = base.lstrip(".")
        if level:
            pkg = package.split(".")
            pkg = pkg[:len(pkg) - level + 1]
            base = ".".join(pkg + ([base] if base else []))
        out.add(base)
        for name in names.strip("()").replace("\n", " ").split(","):
            name = name.split(" as ")[0].strip()
            if name:
                out.add(f"{base}.{name}")
    return out


def kernel_sources(root=None):
    """The source files compiled code can depend on: every module that defines a Numba-
    compiled function, and everything those import from this package (their constants are
    frozen into the compiled code). Orchestration-only modules (sweeps, I/O, options, the
    run loop, ...) are left out, so editing them does not throw the compiled kernels away."""
    root = Path(__file__).resolve().parent if root is None else Path(root)
    files = {}
    for p in sorted(root.rglob("*.py")):
        text = p.read_text()
        module = _module_of(p, root)
        files[module] = (p, text, _imports(text, module, p.name == "__init__.py"))
    keep = {m for m, (_, text, _) in files.items() if _JIT.search(text)}
    todo = list(keep)
    while todo:
        for name in files[todo.pop()][2]:
            while name and name not in files:      # "pkg.mod.obj" -> "pkg.mod"
                name = name.rpartition(".")[0]
            if name and name not in keep:
                keep.add(name)
                todo.append(name)
    return sorted(files[m][0] for m in keep)


def _source_hash(root=None):
    root = Path(__file__).resolve().parent if root is None else Path(root)
    # the location is part of the key: Numba's index also checks file time stamps, so two
    # checkouts sharing one directory would keep invalidating each other's entries
    h = hashlib.sha1(f"{__version__}:{root}".encode())
    for p in kernel_sources(root):
        h.update(str(p.relative_to(root)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def numba_cache_dir():
    """Directory used for Numba's cache of this source tree."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tovflow", f"numba-{_source_hash()}")


if "NUMBA_CACHE_DIR" not in os.environ:
    os.environ["NUMBA_CACHE_DIR"] = numba_cache_dir()
    try:  # numba may already have been imported by the caller: set its live config too
        import numba.core.config as _numba_config

        _numba_config.CACHE_DIR = os.environ["NUMBA_CACHE_DIR"]
    except ImportError:  # pragma: no cover
        pass
