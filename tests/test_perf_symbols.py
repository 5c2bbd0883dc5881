"""``profiling/perf_symbols.py``: the perf map names the compiled functions by address."""

import importlib.util
import os
from pathlib import Path

from numba import njit

_PATH = Path(__file__).resolve().parents[1] / "profiling" / "perf_symbols.py"
_SPEC = importlib.util.spec_from_file_location("perf_symbols", _PATH)
perf_symbols = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(perf_symbols)


def test_a_fresh_function_is_found_at_its_address():
    @njit                                      # not cached: its module is linkable
    def _perf_symbols_probe(x):
        return 2.0 * x

    assert _perf_symbols_probe(1.5) == 3.0
    found = perf_symbols.compiled_functions()
    names = [name for _, name in found if "_perf_symbols_probe" in name]
    assert names
    entry = _perf_symbols_probe.overloads[next(iter(_perf_symbols_probe.overloads))]
    address = entry.library.get_pointer_to_function(entry.fndesc.llvm_func_name)
    assert (address, entry.fndesc.llvm_func_name) in found


def test_perf_map_lines(tmp_path, monkeypatch):
    """``/tmp/perf-PID.map`` format: hex address, hex size up to the next function, name."""
    written = {}
    real_open = open

    def fake_open(path, mode="r", *args, **kwargs):
        written["path"] = path
        return real_open(tmp_path / "map", mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", fake_open)
    perf_symbols.write_perf_map([(0x1000, "f"), (0x1040, "g")], os.getpid())
    monkeypatch.undo()
    assert written["path"] == f"/tmp/perf-{os.getpid()}.map"
    assert (tmp_path / "map").read_text().splitlines() == ["1000 40 f", "1040 1000 g"]
