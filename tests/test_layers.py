"""The rooms of ``source/`` and the rule between them (docs/architecture-rooms.md): a module
imports only from its own layer or the layers below, and no two packages import each other
(directly or around a circle). Every import counts, lazy ones (inside functions) included.

``ALLOWED`` lists the imports that still break the rule, each with what would fix it; it
should only ever shrink."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "source"

#: (layer, package or module), bottom to top. The package root, the JIT machinery, the units
#: and the output reader are at the bottom: everything may use them.
LAYERS = (
    (0, "source"),                  # the package itself (__version__, the cache directory)
    (0, "source.jit"),
    (0, "source.units"),
    (0, "source.io"),
    (1, "source.core"),             # grid, spacing, derivatives, state layout
    (2, "source.bssn"),
    (3, "source.matter"),           # hydro: EOS, cons2prim, reconstruction, Riemann, ...
    (4, "source.initialdata"),
    (5, "source.evolution"),
    (6, "source.sweep"),
    (6, "source.validation"),
    (6, "source.warmup"),
)

#: (importing module, imported module): known breaks of the rule, in files this refactor
#: did not own. Remove an entry when its fix lands; the test fails on stale entries too.
ALLOWED = {
}


def module_name(path):
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def imports_of(name):
    """The package modules ``name`` imports, anywhere in its body."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(pkg + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:     # "pkg.mod.obj" -> "pkg.mod"
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


GRAPH = {name: imports_of(name) for name in MODULES}


def room(name):
    """(layer, room) of a module: the longest entry of ``LAYERS`` it lies in."""
    best = None
    for layer, prefix in LAYERS:
        if name == prefix or name.startswith(prefix + "."):
            if best is None or len(prefix) > len(best[1]):
                best = (layer, prefix)
    assert best is not None, f"{name} is in no layer: add it to LAYERS"
    return best


def test_every_module_is_in_a_layer():
    for name in MODULES:
        room(name)


def test_no_module_imports_a_higher_layer():
    bad = sorted((a, b) for a, targets in GRAPH.items() for b in targets
                 if room(b)[0] > room(a)[0] and (a, b) not in ALLOWED)
    assert not bad, "imports from a higher layer:\n" + "\n".join(f"  {a} -> {b}"
                                                                for a, b in bad)


def _cycles(graph):
    """The strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_circle_between_packages_or_modules():
    kept = {a: {b for b in targets if (a, b) not in ALLOWED} for a, targets in GRAPH.items()}
    assert not _cycles(kept), _cycles(kept)
    packages = {}
    for a, targets in kept.items():
        for b in targets:
            pa, pb = room(a)[1], room(b)[1]
            if pa != pb:
                packages.setdefault(pa, set()).add(pb)
    assert not _cycles(packages), _cycles(packages)


def test_the_allow_list_is_not_stale():
    for a, b in ALLOWED:
        assert b in GRAPH.get(a, ()), f"{a} no longer imports {b}: remove it from ALLOWED"


@pytest.mark.parametrize("lower, higher", [("source.core", "source.bssn"),
                                           ("source.core", "source.matter"),
                                           ("source.io", "source.evolution"),
                                           ("source.matter", "source.initialdata")])
def test_the_rules_the_refactor_promised(lower, higher):
    """core imports neither bssn nor hydro; the reader imports no analysis (nothing of
    evolution); hydro imports no initial data (but for the allow-listed adapter)."""
    for a, targets in GRAPH.items():
        if room(a)[1] != lower and not a.startswith(lower + "."):
            continue
        for b in targets:
            assert not b.startswith(higher) or (a, b) in ALLOWED, (a, b)


def test_the_checker_sees_lazy_and_relative_imports(tmp_path):
    """A lazy relative import inside a function is found (the checker can fail)."""
    # options.py imports the steppers and the dynamic module inside functions, relatively
    assert "source.evolution.steppers" in GRAPH["source.evolution.options"]
    assert "source.evolution.dynamic" in GRAPH["source.evolution.options"]
    assert "source.matter.eos.eos" in GRAPH["source.matter.hydro.riemann"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
