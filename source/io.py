"""Reading a run's HDF5 output: ``load_run(path)`` returns a ``Run`` with everything in memory.

    from source.io import load_run

    run = load_run("out.h5")
    run.mode, run.status, run.star["M_star"], run.grid.dr
    run.t_ms, run.timeseries["rho_c"]             # t in milliseconds, central density
    run.snapshots[-1]["rho0"], run.snapshots[-1].t
    run.rest_mass_books()                         # unaccounted rest mass per row (M_sun)
    load_header("out.h5").status                  # the attributes only, no dataset read

Mode frequencies against linear theory: ``source.evolution.analysis.run_mode_frequencies``
(this reader sits below the physics and imports none of it).

The file layout, units and the meaning of every dataset and attribute are documented in
``docs/output.md``; ``UNITS`` below is the single source of the unit of every time-series
column and snapshot field (the test suite checks the document against it).

Files of every tovflow version load: what an older file does not have (the dynamic columns,
the attributes ``numba_threads`` and ``kernels``, ``/checkpoint``, ...) is absent from the
dicts or ``None``, never an error. A file that is not a tovflow output raises ``ValueError``
(an HDF5 file without the attribute ``code = "tovflow"``), ``FileNotFoundError`` (missing)
or ``OSError`` (not HDF5), naming the path.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

from source.units import MSUN_SECONDS

# Unit of every time-series column and snapshot field, in G = c = M_sun = 1. "M_sun" is a
# mass, a length (1.476625 km) or a time (4.925490947 us); "1" dimensionless; "c" a speed
# (dimensionless, in units of c); "count" a number of events; "flag" 0.0 or 1.0; "code" a
# status code; "step" an RK4 step number.
UNITS = {
    # time series (one row every timeseries_every steps)
    "t": "M_sun",
    "step": "step",
    "rho_c": "M_sun^-2",
    "rho_max": "M_sun^-2",
    "v_c": "c",
    "max_abs_v": "c",
    "baryon_mass": "M_sun",
    "mass_outflow": "M_sun",
    "mass_reset": "M_sun",
    "c2p_failures": "count",
    "atmosphere_resets": "count",
    "alpha_c": "1",
    "K_c": "M_sun^-1",
    "ham_l2_star": "M_sun^-2",
    "ham_max": "M_sun^-2",
    "mom_l2_star": "M_sun^-2",
    "adm_mass": "M_sun",
    "ah_found": "flag",
    "ah_radius": "M_sun",
    "ah_areal_radius": "M_sun",
    "ah_mass": "M_sun",
    "mass_excised": "M_sun",
    # snapshot fields (arrays over the N grid points, ghosts included)
    "r": "M_sun",
    "rho0": "M_sun^-2",
    "vr": "c",
    "press": "M_sun^-2",
    "eps": "1",
    "W": "1",
    "alpha": "1",
    "D": "M_sun^-2",
    "S_r": "M_sun^-2",
    "tau": "M_sun^-2",
    "c2p_status": "code",
    "phi": "1",
    "hrr": "1",
    "htt": "1",
    "hpp": "1",
    "K": "M_sun^-1",
    "arr": "M_sun^-1",
    "att": "M_sun^-1",
    "app": "M_sun^-1",
    "lambdar": "M_sun^-1",
    "shiftr": "1",
    "br": "M_sun^-1",
    "lapse": "1",
    "ham": "M_sun^-2",
    "mom": "M_sun^-2",
    "expansion": "M_sun^-1",
}

# Units of the star's properties (``Run.star``, the root attributes ``tov_<key>``)
STAR_UNITS = {
    "K": "M_sun^(2 Gamma - 2)",
    "Gamma": "1",
    "rho_central": "M_sun^-2",
    "M_star": "M_sun",
    "M0": "M_sun",
    "R_schw": "M_sun",
    "R_iso": "M_sun",
    "C": "1",
    "alpha_c": "1",
    "psi4_c": "1",
}


@dataclass
class Grid:
    """Cell centres r (N,) including 3 + 3 ghosts: r_i = (i - 5/2) dr, first interior cell
    r[3] = dr/2, r[N - 1] = r_max."""

    r: np.ndarray
    dr: float
    N: int
    r_max: float
    num_ghosts: int = 3

    @property
    def interior(self):
        """Slice of the interior cells (without the ghosts)."""
        return slice(self.num_ghosts, self.N - self.num_ghosts)


@dataclass
class Snapshot:
    """One profile snapshot: ``step``, ``t`` (M_sun) and its arrays (``snap["rho0"]``)."""

    step: int
    t: float
    fields: dict = field(default_factory=dict)

    def __getitem__(self, name):
        return self.fields[name]

    def __contains__(self, name):
        return name in self.fields

    def keys(self):
        return self.fields.keys()

    @property
    def t_ms(self):
        """Time in milliseconds."""
        return self.t * MSUN_SECONDS * 1e3


@dataclass
class Run:
    """Everything in one output file (see ``docs/output.md``)."""

    path: str
    mode: str                      # "cowling" or "dynamic"
    config: dict                   # run parameters (the ``config`` attribute)
    star: dict                     # TOV properties of the initial star (``STAR_UNITS``)
    timeseries: dict               # column name -> (rows,) array, as stored
    snapshots: list                # ``Snapshot`` objects ordered by step
    grid: Grid | None
    status: str | None
    attrs: dict                    # every root attribute (JSON ones as the raw strings)
    units: dict                    # unit of every time-series column and snapshot field here
    checkpoint: dict | None = None  # U, prim, books, step, t (None in files without one)

    @property
    def t(self):
        """Time of the time-series rows in M_sun (None if the file has no rows column)."""
        return self.timeseries.get("t")

    @property
    def t_ms(self):
        """Time of the time-series rows in milliseconds."""
        t = self.t
        return None if t is None else t * MSUN_SECONDS * 1e3

    def rest_mass_books(self):
        """Unaccounted rest mass per time-series row (M_sun):
        ``baryon_mass - baryon_mass[0] - (mass_reset + mass_excised - mass_outflow)``,
        round-off for the "partial" formulation (``mass_excised`` is 0 where the column is
        absent: Cowling runs and older files). None if the file has no ``baryon_mass``."""
        ts = self.timeseries
        m = ts.get("baryon_mass")
        if m is None or m.size == 0:
            return None
        zero = np.zeros_like(m)
        booked = ts.get("mass_reset", zero) + ts.get("mass_excised", zero) \
            - ts.get("mass_outflow", zero)
        return (m - m[0]) - booked


def _plain(value):
    """An HDF5 attribute as a plain Python value (str, int, float; arrays kept)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.generic):
        return value.item()
    return value


def _json(attrs, name, path):
    text = attrs.get(name)
    if text is None:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{path}: attribute {name!r} is not valid JSON ({e})") from None


def _grid(f):
    if "grid" not in f or "r" not in f["grid"]:
        return None
    g = f["grid"]
    r = g["r"][:]
    a = {k: _plain(v) for k, v in g.attrs.items()}
    n = int(a.get("N", r.size))
    dr = float(a["dr"]) if "dr" in a else float(r[1] - r[0]) if r.size > 1 else float("nan")
    r_max = float(a.get("r_max", r[-1] if r.size else float("nan")))
    return Grid(r=r, dr=dr, N=n, r_max=r_max, num_ghosts=int(a.get("num_ghosts", 3)))


def _snapshots(f):
    if "snapshots" not in f:
        return []
    out = []
    for name, g in f["snapshots"].items():
        if not isinstance(g, h5py.Group):
            continue
        step = int(_plain(g.attrs["step"])) if "step" in g.attrs else int(name)
        t = float(_plain(g.attrs["t"])) if "t" in g.attrs else float("nan")
        out.append(Snapshot(step=step, t=t, fields={k: g[k][()] for k in g
                                                     if isinstance(g[k], h5py.Dataset)}))
    out.sort(key=lambda s: s.step)
    return out


def _checkpoint(f):
    if "checkpoint" not in f:
        return None
    c = f["checkpoint"]
    out = {k: c[k][()] for k in c if isinstance(c[k], h5py.Dataset)}
    for k in ("step", "t"):
        out[k] = _plain(c.attrs[k]) if k in c.attrs else None
    return out


def _open(path):
    """The open HDF5 file of a tovflow output and its root attributes, or a clear error."""
    if not Path(path).exists():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise OSError(f"{path}: not a readable HDF5 file ({e})") from None
    attrs = {k: _plain(v) for k, v in f.attrs.items()}
    if attrs.get("code") != "tovflow":
        f.close()
        raise ValueError(f"{path}: not a tovflow output file (its root attribute 'code' "
                         f"is {attrs.get('code')!r}, not 'tovflow')")
    return f, attrs


def _star(attrs, path):
    star = _json(attrs, "tov", path)
    if star is None:   # the per-property attributes carry the same numbers
        star = {k[4:]: v for k, v in attrs.items() if k.startswith("tov_")}
    return star


def load_run(path, snapshots=True):
    """Read a tovflow output file into a ``Run`` (everything loaded into memory).

    ``snapshots=False`` skips the profile snapshots (``Run.snapshots`` is then empty; the
    units of their fields are still listed). Raises ``FileNotFoundError`` (missing),
    ``OSError`` (not an HDF5 file) or ``ValueError`` (HDF5 but not a tovflow output),
    naming the path.
    """
    path = str(Path(path))
    f, attrs = _open(path)
    with f:
        config = _json(attrs, "config", path) or {}
        star = _star(attrs, path)
        timeseries = {}
        if "timeseries" in f:
            timeseries = {k: d[()] for k, d in f["timeseries"].items()
                          if isinstance(d, h5py.Dataset)}
        snaps = _snapshots(f) if snapshots else []
        field_names = set()
        if snapshots:
            for s in snaps:
                field_names.update(s.fields)
        elif "snapshots" in f:
            for g in f["snapshots"].values():
                field_names.update(g.keys())
        grid = _grid(f)
        checkpoint = _checkpoint(f)
    mode = config.get("mode") or ("dynamic" if "alpha_c" in timeseries else "cowling")
    units = {name: UNITS.get(name) for name in [*timeseries, *sorted(field_names)]}
    return Run(path=path, mode=mode, config=config, star=star, timeseries=timeseries,
               snapshots=snaps, grid=grid, status=attrs.get("status"), attrs=attrs,
               units=units, checkpoint=checkpoint)


def load_header(path):
    """The attributes of a tovflow output file without reading any dataset: a ``Run`` whose
    ``timeseries``, ``snapshots`` and ``units`` are empty, ``grid`` None, ``mode`` the
    configured one (None in files older than the option), and ``checkpoint`` (if the file
    has one) holds ``step`` and ``t`` only. Raises as ``load_run``."""
    path = str(Path(path))
    f, attrs = _open(path)
    with f:
        config = _json(attrs, "config", path) or {}
        star = _star(attrs, path)
        checkpoint = None
        if "checkpoint" in f:
            c = f["checkpoint"].attrs
            checkpoint = {k: _plain(c[k]) if k in c else None for k in ("step", "t")}
    return Run(path=path, mode=config.get("mode"), config=config, star=star, timeseries={},
               snapshots=[], grid=None, status=attrs.get("status"), attrs=attrs, units={},
               checkpoint=checkpoint)


def read_table(path):
    """An HDF5 table written by ``source.evolution.output.write_table`` (the sweep summary):
    (root attributes, {column name: array}); strings come back as ``bytes``."""
    with h5py.File(path, "r") as f:
        return ({k: _plain(v) for k, v in f.attrs.items()},
                {k: d[()] for k, d in f["summary"].items()})
