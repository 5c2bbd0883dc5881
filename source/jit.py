"""The JIT machinery in one place: the project's Numba decorators, ``build_closure``,
``unowned``, the on-disk cache directory and the compile-time patch of Numba's inliner.

Decorators
----------
Every compiled function of the package is ``njit(cache=True, error_model="numpy")``:
machine code cached on disk (see the cache directory below), and NumPy's floating-point
semantics for division (``x / 0.0`` gives inf or NaN, no ``ZeroDivisionError`` check in
the loops; the kernels test for non-finite values themselves). No ``fastmath``: NaN guards
and root-finder stopping tests live in the kernels.

* ``kernel``: the plain compiled function;
* ``inline_kernel``: the same, inlined at the Numba-IR level into its compiled callers
  (``inline="always"``): the point-wise formulas called in the grid loops;
* ``parallel_kernel``: the same with ``parallel=True`` (loops written with ``prange``).

``build_closure(body, name, **options)`` compiles one Python function under a new name (the
serial and parallel builds of one driver body, or one build per scheme of a closure).

``unowned(bundle)`` (compiled code): a flat tuple with its arrays as views that hold no
reference, so that binding it (every inlined call in a loop) costs no atomic reference
count; the serial RK4 driver applies it to its bundles on entry.

Cache directory
---------------
Importing the package (``source/__init__.py`` calls ``use_source_cache_dir``) points
Numba's on-disk cache at a directory keyed by a hash of the source files compiled code can
depend on (``kernel_sources``: the modules that define compiled functions and everything
they import from the package). Numba only checks the time stamp of the file that defines a
cached function, not of the functions it calls, so after an edit of, say, ``riemann.py``
the cached fused driver would otherwise keep the old Riemann solver. A user-set
``NUMBA_CACHE_DIR`` is respected.

Inliner patch
-------------
``shared_scope_copies()``: see its docstring. It is active only on the Numba versions it
was checked on (``INLINER_PATCH_NUMBA_VERSIONS``) and a no-op on any other.
"""

import contextlib
import copy
import hashlib
import os
import re
import threading
import types
from collections.abc import Mapping
from pathlib import Path

import numba
from numba import njit
from numba.core import cgutils
from numba.extending import intrinsic
from numba.np.arrayobj import make_array

# ----------------------------------------------------------------------------------------
# decorators
# ----------------------------------------------------------------------------------------


def _options(**extra):
    """The project's Numba options, plus ``extra``."""
    return {"cache": True, "error_model": "numpy", **extra}


kernel = njit(**_options())
inline_kernel = njit(**_options(inline="always"))
parallel_kernel = njit(**_options(parallel=True))


@intrinsic
def unowned(typingctx, bundle):
    """``bundle`` (a tuple or named tuple of scalars and arrays) with every array replaced by
    a view of the same data that holds no reference: compiled code copies such a tuple
    without reference counting.

    Numba counts references to an array atomically, and each variable a tuple holding an
    array is bound to (every argument of an inlined function, in every iteration of a cell
    loop) costs an increment and a decrement that its pass does not always prune: on the
    table EOS (whose kernel tuple holds the coefficient array) they were 29 % of a Cowling
    step. A kernel calls this on its argument once, on entry; the views are valid while the
    caller holds the tuple, which is the whole call. Never return such a view to Python or
    keep it beyond the call."""
    if not isinstance(bundle, numba.types.BaseTuple):
        raise numba.core.errors.TypingError("unowned takes a tuple")
    for member in bundle:
        if not isinstance(member, numba.types.Array) and \
                member not in numba.types.number_domain | {numba.types.boolean}:
            raise numba.core.errors.TypingError(
                f"unowned: a member of type {member} (only arrays and scalars)")

    def codegen(context, builder, signature, args):
        (value,) = args
        for i, member in enumerate(bundle):
            if isinstance(member, numba.types.Array):
                array = make_array(member)(context, builder, builder.extract_value(value, i))
                array.meminfo = cgutils.get_null_value(array.meminfo.type)
                array.parent = cgutils.get_null_value(array.parent.type)
                value = builder.insert_value(value, array._getvalue(), i)
        return value

    return bundle(bundle), codegen

#: the names a module imports to define compiled functions (the cache key follows them)
DECORATORS = ("kernel", "inline_kernel", "parallel_kernel", "build_closure")


def build_closure(body, name, globals_=None, **options):
    """``njit(**options)`` of the Python function ``body`` under the name ``name``, with
    the names of ``globals_`` (a dict), if given, bound in its globals (the integrator binds
    a mode's compiled hooks this way: as closure variables they would enter Numba's cache
    key through a pickle that differs in every process).

    The serial and parallel builds of a kernel share one body. Compiling the body itself
    twice, rather than inlining one ``inline="always"`` body into two wrappers, saves
    seconds of compile time: Numba's inliner copies a callee block by block, each copy with
    the callee's whole variable scope, so inlining the fully inlined driver body cost
    ~1.7 s per build. The name gives each build its own entry in Numba's on-disk cache
    (file names are made from the qualified name and the first line of the body)."""
    namespace = body.__globals__ if globals_ is None else {**body.__globals__, **globals_}
    fn = types.FunctionType(body.__code__, namespace, name, body.__defaults__,
                            body.__closure__)
    fn.__qualname__ = name
    fn.__doc__ = body.__doc__
    return njit(**options)(fn)


# ----------------------------------------------------------------------------------------
# cache directory
# ----------------------------------------------------------------------------------------

_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]+)"
                     r"|import[ \t]+([\w.]+))", re.MULTILINE)
_NUMBA_DECORATOR = re.compile(
    r"@(?:numba\.)?(?:njit|jit|vectorize|guvectorize|cfunc)\b|\bnjit\(")
_PACKAGE_ROOT = Path(__file__).resolve().parent


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


def defines_compiled_code(text, imports, package="source"):
    """Whether a module defines compiled functions: a Numba decorator in its text, or one
    of this module's ``DECORATORS`` among its imports."""
    ours = {f"{package}.jit.{name}" for name in DECORATORS}
    return bool(_NUMBA_DECORATOR.search(text)) or not ours.isdisjoint(imports)


def kernel_sources(root=None):
    """The source files compiled code can depend on: every module that defines a Numba-
    compiled function, and everything those import from this package (their constants are
    frozen into the compiled code). Orchestration-only modules (sweeps, I/O, options, the
    run loop, the warm-up, ...) are left out, so editing them does not throw the compiled
    kernels away."""
    root = _PACKAGE_ROOT if root is None else Path(root)
    files = {}
    for p in sorted(root.rglob("*.py")):
        text = p.read_text()
        module = _module_of(p, root)
        files[module] = (p, _imports(text, module, p.name == "__init__.py"), text)
    keep = {m for m, (_, imports, text) in files.items()
            if defines_compiled_code(text, imports, root.name)}
    todo = list(keep)
    while todo:
        for name in files[todo.pop()][1]:
            while name and name not in files:      # "pkg.mod.obj" -> "pkg.mod"
                name = name.rpartition(".")[0]
            if name and name not in keep:
                keep.add(name)
                todo.append(name)
    return sorted(files[m][0] for m in keep)


def source_hash(version, root=None):
    """Hash of the package ``version``, its location and its ``kernel_sources``."""
    root = _PACKAGE_ROOT if root is None else Path(root)
    # the location is part of the key: Numba's index also checks file time stamps, so two
    # checkouts sharing one directory would keep invalidating each other's entries
    h = hashlib.sha1(f"{version}:{root}".encode())
    for p in kernel_sources(root):
        h.update(str(p.relative_to(root)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def numba_cache_dir(version):
    """Directory for Numba's cache of this source tree (package version ``version``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tovflow", f"numba-{source_hash(version)}")


def use_source_cache_dir(version):
    """Point Numba's cache at ``numba_cache_dir(version)`` unless ``NUMBA_CACHE_DIR`` is set.

    Numba is imported already (by this module), so its live configuration is set as well
    as the environment (which Numba re-reads before each compilation)."""
    if "NUMBA_CACHE_DIR" in os.environ:
        return
    os.environ["NUMBA_CACHE_DIR"] = numba_cache_dir(version)
    numba.config.CACHE_DIR = os.environ["NUMBA_CACHE_DIR"]


# ----------------------------------------------------------------------------------------
# inliner patch
# ----------------------------------------------------------------------------------------

#: Numba versions whose inliner (``numba.core.inline_closurecall``) was checked to copy
#: blocks as ``shared_scope_copies`` describes, and under which the compiled code was
#: checked to be bit-identical (tests/test_numba_inliner.py)
INLINER_PATCH_NUMBA_VERSIONS = ("0.68.1",)

_INLINER_LOCK = threading.RLock()


def _inliner_module(numba_version):
    """Numba's inliner module if the patch applies to it (a checked version, and the module
    has the shape described in ``shared_scope_copies``), else None."""
    if numba_version not in INLINER_PATCH_NUMBA_VERSIONS:
        return None
    from numba.core import inline_closurecall

    worker = getattr(inline_closurecall, "InlineWorker", None)
    if inline_closurecall.__dict__.get("copy") is not copy or not all(
            hasattr(worker, name) for name in ("inline_ir", "inline_function",
                                                "run_untyped_passes")):
        return None
    return inline_closurecall


def _inliner_copies():
    """A ``copy`` namespace for Numba's inliner and an ``inline_function`` for its
    ``InlineWorker`` (see ``shared_scope_copies``)."""
    from numba.core import ir
    from numba.core.inline_closurecall import InlineWorker

    shared = {"scope": None, "memo": {}}
    fresh = set()           # ids of the blocks of callee IR made for one inlining only
    inline_ir = InlineWorker.inline_ir

    def deepcopy(x, memo=None):
        if memo is None and isinstance(x, ir.Block):
            if id(x) in fresh:
                return x
            if shared["scope"] is not x.scope or id(x) in shared["memo"]:
                shared["scope"], shared["memo"] = x.scope, {}
            return copy.deepcopy(x, shared["memo"])
        return copy.deepcopy(x, memo)

    def inline_function(self, caller_ir, block, i, function, arg_typs=None):
        callee_ir = self.run_untyped_passes(function)
        blocks = {id(b) for b in callee_ir.blocks.values()}
        fresh.update(blocks)
        try:
            _, callee_blocks, var_dict, new_blocks = inline_ir(
                self, caller_ir, block, i, callee_ir, function.__code__.co_freevars,
                arg_typs=arg_typs)
        finally:
            fresh.difference_update(blocks)
        return None, callee_blocks, var_dict, new_blocks

    return types.SimpleNamespace(deepcopy=deepcopy, copy=copy.copy), inline_function


def _config_comparison(config_class):
    """``__hash__`` and ``__eq__`` for Numba's ``TargetConfig`` (compile flags) with the
    results of its own (see ``shared_scope_copies``), or None if it does not have the
    expected shape."""
    if not (isinstance(getattr(config_class, "options", None), Mapping)
            and "_values" in getattr(config_class, "__slots__", ())):
        return None

    def values(config):
        # TargetConfig.values(): every option, its default where it was not set
        out = {name: option.default for name, option in type(config).options.items()}
        out.update(config._values)
        return out

    def __hash__(self):
        return hash(tuple(sorted(type(self).options)))

    def __eq__(self, other):
        if isinstance(other, config_class):
            return self is other or values(self) == values(other)
        return NotImplemented

    return __hash__, __eq__


@contextlib.contextmanager
def shared_scope_copies():
    """Within the block, Numba's inliner copies a callee's IR only where it must, and its
    typing compares compile flags faster.

    Compile time of ``inline="always"``: Numba's inliner (``numba.core.inline_closurecall.
    InlineWorker``, Numba 0.68) builds a callee's IR afresh for every call site
    (``inline_function``: the untyped pipeline on the callee, its own inlinings included)
    and then copies it twice in ``inline_ir``, block by block, each block with its own
    ``copy.deepcopy`` and a fresh memo: a copy to splice into the caller, and an unmutated
    copy that it returns and its only caller, the ``InlineInlinables`` pass, throws away. A
    variable's deep copy includes its scope, which lists every variable of the callee, so
    each inlining costs (blocks x variables) of the callee, twice. For the fused drivers,
    whose passes are large inlined callees, that was about half of the driver's compile
    (``profiling/inliner_patch.py``: Cowling 5.1 s with Numba's inliner, 2.4 s here).

    Under this context manager (1) the IR that ``inline_function`` builds for one call site
    is spliced in as it is, not copied (nothing else holds it; ``inline_function`` then
    returns None for the unmutated copy, which ``InlineInlinables`` does not use), and
    (2) any other copy of the blocks of one IR (``inline_ir`` called directly: the typed
    inlining of overloads) shares one memo, i.e. one copy of the scope: the same result as
    a deep copy of the whole block dictionary at once. A new memo starts with every new
    scope and whenever a block comes round again (a second copy of the same IR). (3)
    Numba's typing looks the implementation of each call of an overloaded function up in a
    cache keyed by the compile flags (``numba.core.typing.templates``,
    ``_OverloadFunctionTemplate._get_impl``), and hashes and compares the flags
    (``targetconfig.TargetConfig``) by building the dictionary of all their options through
    Python properties, each time: a tenth of the Python time of a driver's compile. Here
    ``__hash__`` and ``__eq__`` return the same values from the option names and the set
    values directly.

    Only the inliner and the flags' comparison are affected, only for the duration of the
    ``with`` block (the run's warm-up compile, ``Simulation.warmup``): the IR is the one
    Numba would produce, so the compiled code is unchanged (``tests/test_numba_inliner.py``).

    Yields True when the patch is active: on the ``INLINER_PATCH_NUMBA_VERSIONS`` whose
    inliner has the expected shape, and not already inside this context. Yields False (and
    changes nothing) otherwise."""
    with _INLINER_LOCK:
        module = _inliner_module(numba.__version__)
        if module is None:
            yield False
            return
        from numba.core.targetconfig import TargetConfig

        worker = module.InlineWorker
        original = worker.inline_function
        comparison = _config_comparison(TargetConfig)
        original_comparison = TargetConfig.__hash__, TargetConfig.__eq__
        module.copy, worker.inline_function = _inliner_copies()
        if comparison is not None:
            TargetConfig.__hash__, TargetConfig.__eq__ = comparison
        try:
            yield True
        finally:
            module.copy = copy
            worker.inline_function = original
            TargetConfig.__hash__, TargetConfig.__eq__ = original_comparison
