"""Rules of the code's shape, checked on the source tree with ``ast``:

* no function in ``source/`` takes more than ``MAX_PARAMETERS`` parameters (scheme, model,
  work arrays and the like travel as named tuples);
* no time-series row or book is indexed by a literal integer: columns are named once in
  ``source.evolution.columns`` and indexed by name (``row[COL.rho_c]``,
  ``books[BOOK.mass_outflow]``).

Each check is also run on a snippet that breaks it, so that it cannot pass vacuously.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "source"
MAX_PARAMETERS = 15

# Functions allowed over the limit: none. The list may only shrink (a listed function that
# is back under the limit fails the test).
PARAMETER_EXCEPTIONS = set()

# Names that hold a time-series row, a block of rows or the books.
RECORD_NAMES = {"row", "row0", "ts", "ts_buffer", "books"}
# Tables of other records (e.g. the rows of a mass-radius sequence) are not run records.
COLUMN_CHECK_EXCLUDED = ("source/initialdata/",)


def _sources():
    return sorted(SOURCE.rglob("*.py"))


def _relative(path):
    return path.relative_to(ROOT).as_posix()


def too_many_parameters(tree, limit=MAX_PARAMETERS):
    """Names of the functions of ``tree`` with more than ``limit`` parameters."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            a = node.args
            count = (len(a.posonlyargs) + len(a.args) + len(a.kwonlyargs)
                     + (a.vararg is not None) + (a.kwarg is not None))
            if count > limit:
                out.append(getattr(node, "name", "<lambda>"))
    return out


def _record_name(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):      # sim.books, self.ts
        return node.attr
    return None


def _has_int_literal(index):
    """An index made of integer literals: ``5``, ``-1``, ``6:10``, ``:, 1``."""
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    for part in parts:
        bounds = [part.lower, part.upper, part.step] if isinstance(part, ast.Slice) else [part]
        for b in bounds:
            if isinstance(b, ast.UnaryOp) and isinstance(b.op, ast.USub):
                b = b.operand
            if isinstance(b, ast.Constant) and type(b.value) is int:
                return True
    return False


def literal_record_indices(tree):
    """(line, source) of every subscript of a run record by an integer literal."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _record_name(node.value) in RECORD_NAMES \
                and _has_int_literal(node.slice):
            out.append((node.lineno, ast.unparse(node)))
    return out


def test_the_checks_catch_what_they_look_for():
    bad = ast.parse("def f(" + ", ".join(f"a{i}" for i in range(16)) + "):\n    pass\n"
                    "def g(a, b):\n    return row[16] + sim.books[:4].sum() + ts[:, 1]\n")
    assert too_many_parameters(bad) == ["f"]
    assert sorted(s for _, s in literal_record_indices(bad)) == ["row[16]", "sim.books[:4]",
                                                          "ts[:, 1]"]
    good = ast.parse("def g(row, books, ts, k):\n"
                     "    return row[COL.rho_c] + books[BOOK.mass_reset] + ts[:k, COL.t]\n")
    assert too_many_parameters(good) == [] and literal_record_indices(good) == []


@pytest.mark.parametrize("path", _sources(), ids=_relative)
def test_no_function_takes_more_than_15_parameters(path):
    rel = _relative(path)
    names = too_many_parameters(ast.parse(path.read_text()))
    over = [n for n in names if f"{rel}:{n}" not in PARAMETER_EXCEPTIONS]
    assert not over, f"{rel}: more than {MAX_PARAMETERS} parameters: {over}"
    fixed = {e for e in PARAMETER_EXCEPTIONS if e.startswith(rel + ":")} - \
        {f"{rel}:{n}" for n in names}
    assert not fixed, f"back under the limit, remove from PARAMETER_EXCEPTIONS: {fixed}"


@pytest.mark.parametrize("path", _sources(), ids=_relative)
def test_no_literal_time_series_or_book_index(path):
    rel = _relative(path)
    if rel.startswith(COLUMN_CHECK_EXCLUDED):
        return
    hits = literal_record_indices(ast.parse(path.read_text()))
    assert not hits, f"{rel}: index the columns by name (source.evolution.columns): {hits}"
