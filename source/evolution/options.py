"""The run's options, described once: the command line, the configuration file, validation
of choices, restarts and the README's option table all read ``OPTIONS``.

Each ``Option`` names a ``RunConfig`` field (its default and type live there), the command-
line flag, a group, a help text, the allowed values of a choice (taken from the registries
the kernels use) and what a restart (``--restart-from``) may do with it:

* ``fixed``  - physics and numerics: must equal the restart file's value;
* ``extend`` - the end of the run (``t_final``, ``steps``): may be moved later;
* ``free``   - output cadences and run control: may change (they do not change the numbers).

Configuration files are TOML (``tomllib``): flat ``key = value`` lines with the field names
below, optionally inside tables named after the groups (``[grid]``, ...; the table names are
ignored). ``to_toml`` writes the effective configuration back in that form.
"""

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Option:
    name: str
    type: type
    group: str
    help: str
    restart: str = "fixed"
    choices: object = None          # callable returning the allowed values, or None

    @property
    def flag(self):
        return "--" + self.name.replace("_", "-")

    def allowed(self):
        return tuple(self.choices()) if self.choices is not None else None


def _modes():
    from .steppers import STEPPERS
    return dict.fromkeys(m for m, _ in STEPPERS)


def _paths():
    from .steppers import STEPPERS
    return dict.fromkeys(p for _, p in STEPPERS)


def _eos():
    from source.matter.eos.eos import EVOLUTION_EOS
    return EVOLUTION_EOS


def _eos_ids():
    from source.matter.eos.eos_catalogue import star_eos_ids
    return star_eos_ids()


def _recon():
    from source.matter.hydro.reconstruction import RECON_METHODS
    return RECON_METHODS


def _riemann():
    from source.matter.hydro.riemann import RIEMANN_SOLVERS
    return RIEMANN_SOLVERS


def _c2p():
    from source.matter.hydro.cons2prim import C2P_METHODS
    return C2P_METHODS


def _formulations():
    from source.matter.hydro.valencia_reference_metric import FORMULATIONS
    return FORMULATIONS


def _outer_bc():
    from .dynamic import OUTER_BC
    return OUTER_BC


def _perturbations():
    from source.initialdata.perturbations import PERTURBATIONS
    return ("none",) + tuple(PERTURBATIONS)


PHYSICS = "physics"
PERTURBATION = "perturbation of the initial star"
GRID = "grid and time"
METHODS = "numerical methods"
OUTPUT = "output"
CONTROL = "run control"

OPTIONS = (
    Option("mode", str, PHYSICS, "cowling (frozen metric) or dynamic (hydro coupled to "
           "BSSN)", choices=_modes),
    Option("K", float, PHYSICS, "polytropic constant"),
    Option("gamma", float, PHYSICS, "adiabatic index (polytrope and evolution EOS)"),
    Option("eos_id", str, PHYSICS, "the star's cold EOS: polytrope (K, gamma) or a piecewise "
           "polytrope of the Read et al. (2009) catalogue", choices=_eos_ids),
    Option("eos_table", str, PHYSICS, "the star's cold EOS from a table: a LALSimulation "
           "file (p, e in m^-2) or a CompOSE cold-table directory (eos.nb, eos.thermo); "
           "evolved as hybrid (--gamma-th) or barotropic (--eos polytrope)"),
    Option("eos_table_sha256", str, PHYSICS, "SHA-256 of --eos-table, recorded by a run "
           "(a restart checks the file against it)"),
    Option("rho_central", float, PHYSICS, "central rest-mass density (code units)"),
    Option("mass", float, PHYSICS, "gravitational mass (M_sun): the stable star of this mass "
           "(its rho_central is found and recorded; replaces --rho-central)"),
    Option("eos", str, PHYSICS, "evolution EOS: ideal (P = (Gamma-1) rho eps, polytropic "
           "star), polytrope (barotropic: the star's cold EOS), hybrid (cold EOS + thermal "
           "part Gamma_th), auto (ideal for a polytrope, hybrid for a catalogue EOS)",
           choices=_eos),
    Option("gamma_th", float, PHYSICS, "hybrid EOS: thermal index Gamma_th"),
    Option("rho_floor", float, PHYSICS, "atmosphere density (pressure floor: the cold "
           "pressure at rho_floor)"),
    Option("rho_cold", float, PHYSICS, "hybrid EOS: cells with D below this density are "
           "kept on the cold curve (cons2prim from D, S_r alone; the outer crust of a "
           "realistic star); 0: off"),
    Option("outer_bc", str, PHYSICS, "dynamic mode, BSSN rows at r_max: sommerfeld "
           "(radiative) or extrapolation (reference code)", choices=_outer_bc),
    Option("eta", float, PHYSICS, "dynamic mode: Gamma-driver damping eta"),
    Option("ham_damping", float, PHYSICS, "dynamic mode: Hamiltonian-constraint damping "
           "kappa_H, d_t phi += -kappa_H dr alpha e^{4 phi} H (0: plain BSSN; "
           "kappa_H * cfl <= 0.05)"),
    Option("frozen_matter", bool, PHYSICS, "dynamic mode test (hydro without hydro): BSSN "
           "evolves with the matter sources of the initial data"),
    Option("perturbation", str, PERTURBATION, "none, pressure_scale (P -> factor P inside "
           "the star, MBM 2014), velocity (v^r = -A (r/R) sin(pi r/R)) or mode (a linear "
           "radial mode's velocity profile)", choices=_perturbations),
    Option("perturbation_factor", float, PERTURBATION, "pressure_scale: factor"),
    Option("perturbation_amplitude", float, PERTURBATION, "velocity: A (> 0 inward; default "
           "0.01); mode: maximum coordinate velocity (> 0 outward; default 0.001)"),
    Option("perturbation_mode", str, PERTURBATION, "mode: F, H1, H2, ... (Cowling or "
           "coupled by --mode)"),
    Option("num_points", int, GRID, "grid points incl. 3+3 ghosts"),
    Option("r_max", float, GRID, "outer radius (last ghost point)"),
    Option("t_final", float, GRID, "final time (M_sun)", restart="extend"),
    Option("steps", int, GRID, "number of RK4 steps (instead of --t-final)",
           restart="extend"),
    Option("cfl", float, GRID, "dt = CFL * dr"),
    Option("recon", str, METHODS, "reconstruction", choices=_recon),
    Option("riemann", str, METHODS, "approximate Riemann solver", choices=_riemann),
    Option("c2p", str, METHODS, "kastaun (bracketed, Kastaun et al. 2021) or newton (Newton "
           "fast path, Kastaun fallback)", choices=_c2p),
    Option("formulation", str, METHODS, "partial (MBM 2014: rest mass conserved to "
           "round-off) or full (reference code)", choices=_formulations),
    Option("path", str, METHODS, "fused (compiled driver) or modular (readable path)",
           choices=_paths),
    Option("well_balanced", bool, METHODS, "well-balanced scheme: evolve d_t U = L_h(U) - "
           "L_h(U_eq), so the unperturbed star is a discrete equilibrium (to round-off)"),
    Option("timeseries_every", int, OUTPUT, "record the time series every K steps",
           restart="free"),
    Option("snapshot_every", int, OUTPUT, "profile snapshot every K steps (default: 20 per "
           "run)", restart="free"),
    Option("checkpoint_every", int, OUTPUT, "commit the output with the full solver state "
           "every K steps (default: at every snapshot)", restart="free"),
    Option("threads", str, CONTROL, "auto (serial kernels on one thread below 600 cells of "
           "work per stage - a Cowling run's star, a dynamic run's grid - the parallel ones "
           "on every core above) or a count (1: serial; more: parallel on that many "
           "threads); recorded in the output", restart="free"),
    Option("stop_on_horizon", bool, CONTROL, "dynamic: stop when an apparent horizon is "
           "first found", restart="free"),
    Option("stop_after_horizon", float, CONTROL, "dynamic: stop this long after an "
           "apparent horizon is first found", restart="free"),
)
BY_NAME = {o.name: o for o in OPTIONS}


class ConfigFileError(ValueError):
    """A configuration file that cannot be used (message names the file and the key)."""


def coerce_value(option, value, where):
    """``value`` from a TOML file as the option's type, or ConfigFileError."""
    t = option.type
    if t is bool:
        if isinstance(value, bool):
            return value
    elif t is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif t is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    elif t is str:
        if option.name == "threads" and isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str):
            return value
    what = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}[t]
    raise ConfigFileError(f"{where}: {option.name} must be {what} (got {value!r})")


def read_config_file(path):
    """The options set in a TOML file, as a dict of ``RunConfig`` fields."""
    import tomllib

    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigFileError(f"--config: {str(path)!r} does not exist") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigFileError(f"--config: {path}: not valid TOML ({e})") from None
    return flat_options(data, path)


def flat_options(table, where):
    """Run options of a TOML table as a dict of ``RunConfig`` fields (sub-tables only group
    them); unknown keys, keys set twice and values of the wrong type raise ConfigFileError
    naming ``where`` and the key."""
    flat = {}
    for key, value in table.items():
        items = value.items() if isinstance(value, dict) else [(key, value)]
        for k, v in items:
            if k not in BY_NAME:
                raise ConfigFileError(f"{where}: unknown key {k!r} (known: "
                                      f"{', '.join(BY_NAME)})")
            if k in flat:
                raise ConfigFileError(f"{where}: {k} is set twice")
            flat[k] = coerce_value(BY_NAME[k], v, where)
    return flat


def parse_flags(argv):
    """{field: value} of a list of run-option flags (``["--num-points", "400", ...]``), for
    commands kept as flag lists (e.g. the stored baselines); other flags raise ValueError."""
    by_flag = {o.flag: o for o in OPTIONS}
    out = {}
    it = iter(argv)
    for a in it:
        if a not in by_flag:
            raise ValueError(f"{a}: not a run option")
        o = by_flag[a]
        out[o.name] = True if o.type is bool else o.type(next(it))
    return out


def _toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ("inf" if v > 0 else "-inf") \
            if not math.isnan(v) else "nan"
    if isinstance(v, int):
        return str(v)
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_toml(config):
    """The configuration (a ``RunConfig``) as a TOML file: one table per group; options
    left at "not set" (None) are written as comments."""
    values = config.to_dict()
    lines = ["# tovflow run configuration (python TOVEvolution.py --config FILE)"]
    group = None
    for o in OPTIONS:
        if o.group != group:
            group = o.group
            lines += ["", f"[{group.replace(' ', '_')}]"]
        v = values[o.name]
        if v is None:
            lines.append(f"# {o.name} =   (not set: {o.help})")
        else:
            lines.append(f"{o.name} = {_toml_value(v)}")
    return "\n".join(lines) + "\n"

