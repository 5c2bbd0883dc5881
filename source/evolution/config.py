"""The configuration of a run: ``RunConfig`` holds every parameter with the old code's
defaults and validates them before any work (``ConfigError`` names the bad parameter). The
choices come from the option registry (``options.OPTIONS``); this module imports it, never
the other way round.
"""

import math
import os
from dataclasses import asdict, dataclass, fields

import numba
import numpy as np

from source.initialdata.perturbations import PERTURBATIONS
from source.matter.eos.causality import causality_check
from source.matter.eos.eos import EOS_IDEAL_GAS, evolution_eos
from source.matter.eos.eos_catalogue import POLYTROPE_ID, star_cold_eos
from source.matter.eos.tabulated import TabulatedEOS

from .options import OPTIONS
from .steppers import MODES, STEPPERS

# Hamiltonian-constraint damping kappa_H (``source.bssn.bssnrhs``): d_t phi += -kappa_H dr
# alpha e^{4 phi} H. RK4 stays stable for kappa_H * CFL up to about 0.065; the default is
# well inside that for every allowed CFL (<= 1).
HAM_DAMPING_DEFAULT = 0.03
HAM_DAMPING_CFL_MAX = 0.05


def available_memory():
    """Bytes of memory available to a new run (``MemAvailable`` of /proc/meminfo, else the
    free physical pages), or None where neither can be read."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


class ConfigError(ValueError):
    """Invalid run configuration (message names the parameter and the allowed values)."""


@dataclass
class RunConfig:
    """All parameters of a run. Defaults are the old code's default star (ref0 driver):
    N = 2000, r_max = 100, t_final = 2000, CFL 0.1, MP5, HLL, K = 100, Gamma = 2,
    rho_c = 1.28e-3, Cowling."""

    mode: str = "cowling"
    num_points: int = 2000
    r_max: float = 100.0
    t_final: float = 2000.0
    steps: int | None = None
    cfl: float = 0.1
    K: float = 100.0
    gamma: float = 2.0
    rho_central: float = 1.28e-3
    eos_id: str = "polytrope"
    eos_table: str | None = None
    eos_table_sha256: str | None = None
    mass: float | None = None
    eos: str = "auto"
    gamma_th: float = 1.8
    recon: str = "mp5"
    riemann: str = "hll"
    c2p: str = "kastaun"
    formulation: str = "partial"
    path: str = "fused"
    rho_floor: float = 1e-13
    rho_cold: float = 0.0
    timeseries_every: int = 10
    snapshot_every: int | None = None
    checkpoint_every: int | None = None
    c2p_tol: float = 1e-13
    stop_on_c2p_failure: bool = True
    threads: str = "auto"
    outer_bc: str = "sommerfeld"
    eta: float = 1.0
    ham_damping: float = HAM_DAMPING_DEFAULT
    frozen_matter: bool = False
    well_balanced: bool = False
    perturbation: str = "none"
    perturbation_factor: float = 0.995
    perturbation_amplitude: float | None = None
    perturbation_mode: str = "F"
    stop_on_horizon: bool = False
    stop_after_horizon: float | None = None

    def cold_eos(self):
        """The star's cold EOS: the table ``eos_table`` (``TabulatedEOS``, checked against
        ``eos_table_sha256`` when recorded), else ``eos_id`` or the polytrope ``K``,
        ``gamma`` (``PiecewisePolytrope``)."""
        if self.eos_table is not None:
            return TabulatedEOS.from_file(self.eos_table, sha256=self.eos_table_sha256)
        return star_cold_eos(self.eos_id, self.K, self.gamma)

    def evolution_eos(self, cold=None):
        """The evolution EOS object (``eos`` built on the star's cold EOS, ``cold`` if
        given)."""
        cold = self.cold_eos() if cold is None else cold
        return evolution_eos(self.eos, cold, self.gamma, self.gamma_th)

    def validate(self):
        """Raise ``ConfigError`` naming the first bad parameter."""

        def bad(name, msg):
            raise ConfigError(f"--{name.replace('_', '-')}: {msg}")

        def choice(name, value, allowed):
            if value not in allowed:
                bad(name, f"must be one of {', '.join(allowed)} (got {value!r})")

        for option in OPTIONS:           # every choice, from the registries of the kernels
            if option.choices is not None:
                choice(option.name, getattr(self, option.name), option.allowed())
        if not isinstance(self.num_points, int | np.integer) or self.num_points < 20:
            bad("num_points", f"must be an integer >= 20 (got {self.num_points})")
        if self.mode in MODES:
            needed = 8 * MODES[self.mode].doubles_per_point * self.num_points
            available = available_memory()
            if available is not None and needed > available:
                bad("num_points", f"{self.num_points} points need about {needed / 2**30:.3g} "
                    f"GiB of memory in {self.mode} mode; this machine has "
                    f"{available / 2**30:.3g} GiB available")
        for name in ("r_max", "K", "rho_central", "rho_floor", "c2p_tol"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
                bad(name, f"must be a positive number (got {v})")
        if not (math.isfinite(self.gamma) and 1.0 < self.gamma <= 3.0):
            bad("gamma", f"must be in (1, 3] (got {self.gamma})")
        if not (isinstance(self.gamma_th, int | float) and math.isfinite(self.gamma_th)
                and 1.0 < self.gamma_th <= 3.0):
            bad("gamma_th", f"must be in (1, 3] (got {self.gamma_th})")
        if self.mass is not None and not (isinstance(self.mass, int | float)
                                          and math.isfinite(self.mass) and self.mass > 0):
            bad("mass", f"must be a positive mass in M_sun (got {self.mass})")
        if self.eos_table is not None and self.eos_id != POLYTROPE_ID:
            bad("eos_table", f"the star's EOS is the table or --eos-id {self.eos_id}, not both")
        try:
            cold = self.cold_eos()
        except ValueError as e:
            bad("eos_table", str(e).removeprefix("eos table "))
        try:
            evolution = self.evolution_eos(cold)
        except ValueError as e:
            bad("eos", str(e).removeprefix("eos: "))
        if self.mass is None and causality_check(cold, self.rho_central)[0]:
            bad("rho_central", causality_check(cold, self.rho_central)[0])
        if self.c2p == "newton" and evolution.kind != EOS_IDEAL_GAS:
            bad("c2p", "newton is the ideal-gas solver; the hybrid and barotropic EOS use "
                "kastaun (their own solvers)")
        if not (math.isfinite(self.cfl) and 0.0 < self.cfl <= 1.0):
            bad("cfl", f"must be in (0, 1] (got {self.cfl})")
        if self.steps is not None:
            if not isinstance(self.steps, int | np.integer) or self.steps < 0:
                bad("steps", f"must be a non-negative integer (got {self.steps})")
        elif not (math.isfinite(self.t_final) and self.t_final >= 0):
            bad("t_final", f"must be a non-negative number (got {self.t_final})")
        if not isinstance(self.timeseries_every, int | np.integer) or self.timeseries_every < 1:
            bad("timeseries_every", f"must be an integer >= 1 (got {self.timeseries_every})")
        if self.snapshot_every is not None and (
                not isinstance(self.snapshot_every, int | np.integer) or self.snapshot_every < 1):
            bad("snapshot_every", f"must be an integer >= 1 (got {self.snapshot_every})")
        if self.checkpoint_every is not None and (
                not isinstance(self.checkpoint_every, int | np.integer)
                or self.checkpoint_every < 1):
            bad("checkpoint_every", f"must be an integer >= 1 (got {self.checkpoint_every})")
        if self.rho_floor >= 1e-3 * self.rho_central:
            bad("rho_floor", f"must be far below rho_central (got {self.rho_floor})")
        if not (isinstance(self.rho_cold, int | float) and math.isfinite(self.rho_cold)
                and 0 <= self.rho_cold < self.rho_central):
            bad("rho_cold", f"must be >= 0 and below rho_central (got {self.rho_cold})")
        if self.threads != "auto":
            try:
                n = int(self.threads)
            except ValueError:
                n = 0
            if n < 1:
                bad("threads", f"must be 'auto' or a positive integer (got {self.threads})")
            if n > numba.config.NUMBA_NUM_THREADS:
                bad("threads", f"at most {numba.config.NUMBA_NUM_THREADS} here (the "
                    f"machine's cores, or NUMBA_NUM_THREADS if set; got {self.threads})")
        if self.perturbation != "none":
            try:
                PERTURBATIONS[self.perturbation].validate(**self.perturbation_params())
            except ValueError as e:
                name, _, msg = str(e).partition(": ")
                bad(f"perturbation_{name}", msg or str(e))
        if self.stop_after_horizon is not None and not (
                isinstance(self.stop_after_horizon, int | float)
                and math.isfinite(self.stop_after_horizon) and self.stop_after_horizon >= 0):
            bad("stop_after_horizon", f"must be a non-negative time (got "
                f"{self.stop_after_horizon})")
        if (self.stop_on_horizon or self.stop_after_horizon is not None) \
                and not MODES[self.mode].forms_horizons:
            bad("stop_on_horizon" if self.stop_on_horizon else "stop_after_horizon",
                "needs --mode dynamic (horizons form only in a dynamical spacetime)")
        if not (isinstance(self.eta, int | float) and math.isfinite(self.eta)
                and self.eta >= 0):
            bad("eta", f"must be a non-negative number (got {self.eta})")
        if not (isinstance(self.ham_damping, int | float) and math.isfinite(self.ham_damping)
                and 0.0 <= self.ham_damping * self.cfl <= HAM_DAMPING_CFL_MAX):
            bad("ham_damping", f"must be >= 0 with ham_damping * cfl <= {HAM_DAMPING_CFL_MAX} "
                f"(explicit stability of the diffusion it adds; got {self.ham_damping} with "
                f"cfl {self.cfl})")
        if (self.mode, self.path) not in STEPPERS:
            bad("path", f"{self.path} is not available in {self.mode} mode (available: "
                f"{', '.join(p for m, p in STEPPERS if m == self.mode)})")
        if self.frozen_matter and not STEPPERS[(self.mode, self.path)].can_freeze_matter:
            bad("frozen_matter", "is a test of the dynamic mode's fused path only")
        return self

    def perturbation_params(self):
        """Keyword parameters of the chosen perturbation (``initialdata.perturbations``)."""
        if self.perturbation == "pressure_scale":
            return {"factor": self.perturbation_factor}
        params = {} if self.perturbation_amplitude is None else \
            {"amplitude": self.perturbation_amplitude}
        if self.perturbation == "mode":
            params.update(mode=self.perturbation_mode,
                          kind=MODES[self.mode].perturbation_kind)
        return params

    @property
    def dr(self):
        return self.r_max / (self.num_points - 3.5)

    @property
    def dt(self):
        return self.cfl * self.dr

    @property
    def total_steps(self):
        if self.steps is not None:
            return int(self.steps)
        return int(self.t_final / self.dt)

    def to_dict(self):
        return asdict(self)

    @classmethod
    def field_names(cls):
        return [f.name for f in fields(cls)]


def options_table():
    """The options as one Markdown table (flag with its choices, default, meaning), from
    ``OPTIONS`` and the ``RunConfig`` defaults; the documentation's run-options page is
    generated from it at build time."""
    defaults = RunConfig()
    lines = ["| option | default | meaning |", "|---|---|---|"]
    for o in OPTIONS:
        allowed = o.allowed()
        flag = f"`{o.flag}`" if o.type is bool else \
            f"`{o.flag} {{{','.join(allowed)}}}`" if allowed else f"`{o.flag}`"
        default = getattr(defaults, o.name)
        default = "off" if default is False else "-" if default is None else f"{default:g}" \
            if isinstance(default, float) else str(default)
        restart = {"fixed": "", "extend": " (a restart may move it later)",
                   "free": " (a restart may change it)"}[o.restart]
        lines.append(f"| {flag} | {default} | {o.help}{restart} |")
    return "\n".join(lines)
