"""Sweep files: a base configuration, the varied options and the list of runs they make.

A sweep file is TOML::

    base = "../cowling.toml"          # a run configuration file, relative to this file
    output_dir = "runs/sweeps/stars"  # relative to the current directory
    study = "sequence"                # optional: "convergence" or "sequence"

    [vary]                            # cartesian product of the lists
    rho_central = [8e-4, 1.28e-3, 2e-3]
    recon = ["mc", "mp5"]

    [zip]                             # lists of equal length, varied together
    num_points = [100, 200, 400]
    timeseries_every = [10, 20, 40]

Instead of a top-level ``base = "file"`` the base may be a ``[base]`` table of run options
(``file = "run.toml"`` inside it reads a configuration file first; the table's options
override the file's). A value list may be written as a range,
``rho_central = {start = 6e-4, stop = 2.8e-3, num = 6, scale = "lin"}`` (``scale = "log"``
for geometric spacing; float values are rounded to 12 significant digits, integer options
to integers). Optional study tables: ``[convergence] reference = "initial" | "finest"``,
``[sequence] parameter = "rho_central"``.

Every run's configuration is validated when the file is loaded (``SweepError``, one line
naming the file, the run and the key), before any work.
"""

import hashlib
import itertools
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from source.evolution.options import (
    BY_NAME,
    ConfigFileError,
    coerce_value,
    flat_options,
    read_config_file,
)
from source.evolution.simulation import ConfigError, RunConfig

STUDIES = ("convergence", "sequence")
STUDY_OPTIONS = {"convergence": {"reference": ("initial", "finest")},
                 "sequence": {"parameter": None}}
TOP_LEVEL_KEYS = ("base", "vary", "zip", "output_dir", "study", "description", *STUDIES)
RANGE_KEYS = ("start", "stop", "num", "scale")
MAX_NAME_LENGTH = 160


class SweepError(ValueError):
    """An unusable sweep file (the message is one line naming the file and the key)."""


@dataclass(frozen=True)
class Run:
    """One star of a sweep: its name, the varied parameters, the full configuration
    (``RunConfig`` fields) and its output file."""

    name: str
    params: dict
    config: dict
    output: Path

    def run_config(self):
        return RunConfig(**self.config)

    def spec(self):
        """Plain data for a worker (``tasks.run_task``)."""
        return {"name": self.name, "params": dict(self.params), "config": dict(self.config),
                "output": str(self.output)}


@dataclass
class Sweep:
    """A loaded, validated sweep: the runs in file order and what to do with them."""

    runs: list
    varied: tuple
    base: dict
    output_dir: Path
    study: str | None = None
    study_options: dict = field(default_factory=dict)
    path: Path | None = None
    description: str = ""

    def describe(self):
        """JSON-able description (stored in the summary file)."""
        return {"file": str(self.path) if self.path else None, "base": self.base,
                "varied": list(self.varied), "study": self.study,
                "study_options": self.study_options, "output_dir": str(self.output_dir),
                "runs": [r.name for r in self.runs], "description": self.description}


def _flat_options(table, where):
    """Run options of a table (sub-tables only group, as in configuration files)."""
    try:
        return flat_options(table, where)
    except ConfigFileError as e:
        raise SweepError(str(e)) from None


def _coerce_value(option, value, where):
    try:
        return coerce_value(option, value, where)
    except ConfigFileError as e:
        raise SweepError(str(e)) from None


def _round(value):
    """A float rounded to 12 significant digits (range values: stable names, no 1e-19
    tails)."""
    return float(f"{value:.12g}")


def _range_values(option, spec, where):
    unknown = set(spec) - set(RANGE_KEYS)
    if unknown:
        raise SweepError(f"{where}: {option.name}: unknown range key {sorted(unknown)[0]!r} "
                         f"(a range is {{start, stop, num, scale}})")
    missing = [k for k in ("start", "stop", "num") if k not in spec]
    if missing:
        raise SweepError(f"{where}: {option.name}: range needs {missing[0]!r} (a range is "
                         "{start, stop, num, scale})")
    if option.type not in (int, float):
        raise SweepError(f"{where}: {option.name}: a range needs a numeric option")
    start, stop, num = spec["start"], spec["stop"], spec["num"]
    scale = spec.get("scale", "lin")
    for k, v in (("start", start), ("stop", stop)):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise SweepError(f"{where}: {option.name}: range {k} must be a number (got {v!r})")
    if isinstance(num, bool) or not isinstance(num, int) or num < 1:
        raise SweepError(f"{where}: {option.name}: range num must be an integer >= 1 "
                         f"(got {num!r})")
    if scale == "lin":
        values = np.linspace(start, stop, num)
    elif scale == "log":
        if start <= 0 or stop <= 0:
            raise SweepError(f"{where}: {option.name}: a log range needs start, stop > 0")
        values = np.geomspace(start, stop, num)
    else:
        raise SweepError(f"{where}: {option.name}: range scale must be 'lin' or 'log' "
                         f"(got {scale!r})")
    if option.type is int:
        return [int(round(v)) for v in values]
    return [_round(float(v)) for v in values]


def _values(key, raw, where):
    """The list of values of one varied option."""
    option = BY_NAME.get(key)
    if option is None:
        raise SweepError(f"{where}: unknown run option {key!r} (known: {', '.join(BY_NAME)})")
    if isinstance(raw, dict):
        values = _range_values(option, raw, where)
    elif isinstance(raw, list):
        if not raw:
            raise SweepError(f"{where}: {key}: empty list of values")
        values = [_coerce_value(option, v, where) for v in raw]
    else:
        raise SweepError(f"{where}: {key} must be a list of values or a range "
                         f"{{start, stop, num, scale}} (got {raw!r})")
    return values


def format_value(value):
    """A parameter value as it appears in a run name (filesystem-safe, stable)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = f"{value:.12g}"
        return text if float(text) == value else repr(value)
    return re.sub(r"[^A-Za-z0-9.+-]", "_", str(value))


def run_name(params):
    """The name of a run (and of its output file without ``.h5``) from its varied
    parameters, in the sweep's order: ``num_points-200__rho_central-0.00128``; ``run``
    when nothing varies. Over-long names are shortened with a hash of the parameters."""
    if not params:
        return "run"
    name = "__".join(f"{k}-{format_value(v)}" for k, v in params.items())
    if len(name) > MAX_NAME_LENGTH:
        digest = hashlib.sha1(json.dumps(params, sort_keys=True).encode()).hexdigest()[:10]
        name = name[:MAX_NAME_LENGTH - 12] + "__" + digest
    return name


def _combinations(vary, zipped):
    """Parameter dicts: the cartesian product of ``vary`` times the rows of ``zipped``."""
    keys = list(vary)
    zip_keys = list(zipped)
    zip_rows = list(zip(*zipped.values(), strict=True)) if zipped else [()]
    for combo in itertools.product(*(vary[k] for k in keys)):
        for row in zip_rows:
            yield {**dict(zip(keys, combo, strict=True)),
                   **dict(zip(zip_keys, row, strict=True))}


def _read_base(data, where, base_dir):
    raw = data.get("base")
    if raw is None:
        return {}
    if isinstance(raw, str):
        raw = {"file": raw}
    if not isinstance(raw, dict):
        raise SweepError(f"{where}: base must be a file name or a table of run options")
    table = dict(raw)
    base = {}
    file = table.pop("file", None)
    if file is not None:
        if not isinstance(file, str):
            raise SweepError(f"{where}: base file must be a path (got {file!r})")
        path = Path(file) if Path(file).is_absolute() else base_dir / file
        try:
            base = read_config_file(path)
        except ConfigFileError as e:
            raise SweepError(f"{where}: base: {e}") from None
    base.update(_flat_options(table, f"{where}: [base]"))
    return base


def _study_options(data, study, where):
    options = {}
    for name in STUDIES:
        table = data.get(name)
        if table is None:
            continue
        if not isinstance(table, dict):
            raise SweepError(f"{where}: [{name}] must be a table")
        if name != study:
            raise SweepError(f"{where}: [{name}] given but study is {study!r}")
        for k, v in table.items():
            if k not in STUDY_OPTIONS[name]:
                raise SweepError(f"{where}: [{name}] unknown key {k!r} (known: "
                                 f"{', '.join(STUDY_OPTIONS[name])})")
            allowed = STUDY_OPTIONS[name][k]
            if allowed is not None and v not in allowed:
                raise SweepError(f"{where}: [{name}] {k} must be one of {', '.join(allowed)} "
                                 f"(got {v!r})")
            options[k] = v
    return options


def _check_study(sweep, where):
    runs = sweep.runs
    if sweep.study == "convergence":
        n = {r.config["num_points"] for r in runs}
        if len(runs) < 3 or len(n) != len(runs):
            raise SweepError(f"{where}: study = \"convergence\" needs 3 or more runs that "
                             f"differ in num_points (got {len(runs)} runs, {len(n)} "
                             "resolutions): vary num_points, zip anything else with it")
    elif sweep.study == "sequence":
        x = sweep.study_options.get("parameter") or (
            "rho_central" if "rho_central" in sweep.varied else
            sweep.varied[0] if sweep.varied else None)
        if x is None or x not in sweep.varied:
            raise SweepError(f"{where}: [sequence] parameter: must be a varied option "
                             f"(got {x!r}; varied: {', '.join(sweep.varied) or 'none'})")
        values = {r.params[x] for r in runs}
        if len(runs) < 2 or len(values) != len(runs):
            raise SweepError(f"{where}: study = \"sequence\" needs 2 or more runs that differ "
                             f"in {x} only")
        sweep.study_options["parameter"] = x


def sweep_from_dict(data, where="sweep", base_dir=".", output_dir=None):
    """A validated ``Sweep`` from the parsed TOML ``data``; ``where`` names it in messages,
    ``base_dir`` resolves a base file, ``output_dir`` overrides the file's."""
    base_dir = Path(base_dir)
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            raise SweepError(f"{where}: unknown key {key!r} (known: {', '.join(TOP_LEVEL_KEYS)}"
                             "; run options go into [base], [vary] or [zip])")
    base = _read_base(data, where, base_dir)
    tables = {}
    for table_name in ("vary", "zip"):
        table = data.get(table_name, {})
        if not isinstance(table, dict):
            raise SweepError(f"{where}: {table_name} must be a table")
        tables[table_name] = {k: _values(k, v, f"{where}: [{table_name}]")
                              for k, v in table.items()}
    vary, zipped = tables["vary"], tables["zip"]
    both = set(vary) & set(zipped)
    if both:
        raise SweepError(f"{where}: {sorted(both)[0]} is in both [vary] and [zip]")
    lengths = {k: len(v) for k, v in zipped.items()}
    if len(set(lengths.values())) > 1:
        first = next(iter(lengths))
        odd = next(k for k, n in lengths.items() if n != lengths[first])
        raise SweepError(f"{where}: [zip] {odd}: {lengths[odd]} values, but {first} has "
                         f"{lengths[first]} (zipped lists must have equal length)")
    study = data.get("study")
    if study is not None and study not in STUDIES:
        raise SweepError(f"{where}: study must be one of {', '.join(STUDIES)} (got {study!r})")
    study_options = _study_options(data, study, where)
    out = output_dir if output_dir is not None else data.get("output_dir")
    if not isinstance(out, str | Path) or not str(out):
        raise SweepError(f"{where}: output_dir: must be a directory name (got {out!r})")
    out = Path(out)
    description = data.get("description", "")
    if not isinstance(description, str):
        raise SweepError(f"{where}: description must be a string")

    defaults = RunConfig().to_dict()
    runs, names = [], {}
    for params in _combinations(vary, zipped):
        config = {**defaults, **base, **params}
        name = run_name(params)
        if params in names.values():
            raise SweepError(f"{where}: run {name} appears twice (a value repeated in "
                             "[vary], or a repeated row of [zip])")
        if name in names:   # values that differ only in characters a file name cannot hold
            digest = hashlib.sha1(json.dumps(params, sort_keys=True).encode()).hexdigest()
            name = f"{name}__{digest[:10]}"
        try:
            RunConfig(**config).validate()
        except ConfigError as e:
            raise SweepError(f"{where}: run {name}: {e}") from None
        names[name] = params
        runs.append(Run(name, params, config, out / f"{name}.h5"))
    sweep = Sweep(runs=runs, varied=tuple(vary) + tuple(zipped), base=base, output_dir=out,
                  study=study, study_options=study_options, description=description)
    _check_study(sweep, where)
    return sweep


def load_sweep(path, output_dir=None):
    """Read and validate a sweep file (``SweepError`` on any problem, before any work)."""
    import tomllib

    path = Path(path)
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise SweepError(f"{path}: no such sweep file") from None
    except tomllib.TOMLDecodeError as e:
        raise SweepError(f"{path}: not valid TOML ({e})") from None
    sweep = sweep_from_dict(data, str(path), path.parent, output_dir)
    sweep.path = path
    return sweep
