r"""Catalogue of piecewise-polytrope fits to nuclear equations of state.

Read, Lackey, Owen & Friedman (2009), PRD 79, 124032 (Sec. III and its table of fits):
every EOS is the four-piece fit to the SLy crust below a three-piece core,

    crust:  P = K_c,j rho^Gamma_c,j on four pieces starting at 0, rho_c,1, rho_c,2, rho_c,3,
    core:   P = K_i rho^Gamma_i (i = 1, 2, 3) on [rho_0, rho_1], [rho_1, rho_2], [rho_2, inf),

with the fixed core dividing densities ``rho_1 = 10^14.7`` and ``rho_2 = 10^15.0 g cm^-3``.
A core fit is given by ``log10 p1`` (the pressure at ``rho_1`` in dyn cm^-2) and ``Gamma_1,
Gamma_2, Gamma_3``: ``K_1 = p1 / rho_1^Gamma_1``, and the crust-core density ``rho_0`` is
where the first core piece meets the last crust piece,
``rho_0 = (K_c,3 / K_1)^(1 / (Gamma_1 - Gamma_c,3))``. The pressure is continuous everywhere
and the specific internal energy is continuous by construction of the integration constants
(:mod:`source.matter.eos.piecewise_polytrope`).

The numbers below are Read et al.'s (2009) table values, copied into this module (the same rows
are in LALSuite's ``LALSimNeutronStarEOSPiecewisePolytrope.c``, which stores ``p1`` in SI).
The crust constants are quoted there in units with ``P / c^2`` in g cm^-3; only ``K_c,0`` is
used here, the other ``K_c,j`` follow from continuity of ``P`` at the quoted dividing
densities. They agree with the quoted ``K_c,j`` to 1.5e-5, 1.0e-4 and 1.2e-4: the 5-decimal
exponents and 6-digit densities of the table fix them no better (``ln(rho) * 5e-6 ~ 1.3e-4``
at 1e12 g cm^-3). LALSuite's constants carry more digits; its ``K_c,0`` differs from the
paper's by 6e-7.

Units
-----
Code units G = c = Msun = 1 with G = 6.67430e-8 cm^3 g^-1 s^-2, c = 2.99792458e10 cm s^-1,
Msun = 1.98841e33 g: the length unit ``G Msun / c^2 = 1.476625 km``, the density unit
``Msun / L^3 = 6.175828e17 g cm^-3`` and the pressure unit ``(density unit) c^2 =
5.550557e38 dyn cm^-2``. A polytropic constant in the "P / c^2 in g cm^-3" units converts as
``K_code = K_paper (density unit)^(Gamma - 1)``.
"""

import math

from source.matter.eos.piecewise_polytrope import PiecewisePolytrope

# ---------------------------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------------------------
from source.units import (  # noqa: F401 - the code units, defined in source.units
    C_CGS,
    DENSITY_UNIT_CGS,
    LENGTH_UNIT_CM,
    LENGTH_UNIT_KM,
    PRESSURE_UNIT_CGS,
)


def density_to_code(rho_cgs):
    """Rest-mass density g cm^-3 -> code units."""
    return rho_cgs / DENSITY_UNIT_CGS


def density_to_cgs(rho_code):
    """Rest-mass density code units -> g cm^-3."""
    return rho_code * DENSITY_UNIT_CGS


def pressure_to_code(p_cgs):
    """Pressure dyn cm^-2 -> code units."""
    return p_cgs / PRESSURE_UNIT_CGS


def pressure_to_cgs(p_code):
    """Pressure code units -> dyn cm^-2."""
    return p_code * PRESSURE_UNIT_CGS


def length_to_km(length_code):
    """Length code units (Msun) -> km."""
    return length_code * LENGTH_UNIT_KM


# ---------------------------------------------------------------------------------------------
# Read et al. (2009) data
# ---------------------------------------------------------------------------------------------
#: The SLy crust fit: (starting density g cm^-3, Gamma, K with P / c^2 in g cm^-3).
SLY_CRUST = (
    (0.0, 1.58425, 6.80110e-9),
    (2.44034e7, 1.28733, 1.06186e-6),
    (3.78358e11, 0.62223, 5.32697e1),
    (2.62780e12, 1.35692, 3.99874e-8),
)
#: Core dividing densities rho_1, rho_2 (g cm^-3).
RHO1_CGS = 10.0**14.7
RHO2_CGS = 10.0**15.0
#: Core fits: name -> (log10 p1 [dyn cm^-2], Gamma_1, Gamma_2, Gamma_3).
READ_2009_FITS = {
    "SLy": (34.384, 3.005, 2.988, 2.851),
    "APR4": (34.269, 2.830, 3.445, 3.348),
    "H4": (34.669, 2.909, 2.246, 2.144),
    "MS1": (34.858, 3.224, 3.033, 1.325),
    "ALF2": (34.616, 4.070, 2.411, 1.890),
    "ENG": (34.437, 3.514, 3.130, 3.168),
    "MPA1": (34.495, 3.446, 3.572, 2.887),
    "WFF1": (34.031, 2.519, 3.791, 3.660),
}


def list_eos():
    """Names of the catalogue EOSs (as spelled by Read et al. 2009)."""
    return tuple(READ_2009_FITS)


def catalogue_entry(name):
    """The table row of ``name`` (case-insensitive) as a dict.

    Returns
    -------
    dict
        ``name, log10_p1_cgs, Gamma1, Gamma2, Gamma3``.
    """
    key = _lookup(name)
    log10_p1, gamma1, gamma2, gamma3 = READ_2009_FITS[key]
    return {"name": key, "log10_p1_cgs": log10_p1, "Gamma1": gamma1, "Gamma2": gamma2,
            "Gamma3": gamma3}


def _lookup(name):
    if not isinstance(name, str):
        raise TypeError(f"EOS name must be a string (got {name!r})")
    by_lower = {key.lower(): key for key in READ_2009_FITS}
    try:
        return by_lower[name.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown EOS {name!r}; the catalogue has "
                         f"{', '.join(READ_2009_FITS)}") from None


def sly_crust(gamma_th=None):
    """The four-piece SLy crust alone (code units), continued by its last piece."""
    rho_start, gammas, K = zip(*SLY_CRUST, strict=True)
    K0 = K[0] * DENSITY_UNIT_CGS ** (gammas[0] - 1.0)
    return PiecewisePolytrope(K0, gammas, [density_to_code(rho) for rho in rho_start[1:]],
                              gamma_th=gamma_th, name="SLy crust (Read et al. 2009)")


def read_parametrized_eos(log10_p1_cgs, gamma1, gamma2, gamma3, gamma_th=None, name=None):
    """Read et al.'s (2009) four-parameter EOS on the SLy crust, in code units.

    Parameters
    ----------
    log10_p1_cgs : float
        log10 of the pressure (dyn cm^-2) at ``rho_1 = 10^14.7 g cm^-3``.
    gamma1, gamma2, gamma3 : float
        Core exponents on ``[rho_0, rho_1]``, ``[rho_1, rho_2]``, ``[rho_2, inf)``.
    gamma_th : float, optional
        Thermal index of the hybrid EOS.
    name : str, optional

    Returns
    -------
    PiecewisePolytrope
        Seven pieces (four crust, three core).
    """
    crust = sly_crust()
    gamma1, gamma2, gamma3 = (float(value) for value in (gamma1, gamma2, gamma3))
    rho1 = density_to_code(RHO1_CGS)
    rho2 = density_to_code(RHO2_CGS)
    p1 = pressure_to_code(10.0 ** float(log10_p1_cgs))
    K1 = p1 / rho1**gamma1
    K_crust, gamma_crust = crust.K[-1], crust.Gamma[-1]
    if not math.isfinite(K1) or gamma1 == gamma_crust:
        raise ValueError("core piece 1 does not cross the last crust piece")
    rho0 = (K_crust / K1) ** (1.0 / (gamma1 - gamma_crust))
    if not (crust.rho_start[-1] < rho0 < rho1):
        raise ValueError(
            f"the first core piece meets the crust at {density_to_cgs(rho0):.4e} g/cm^3, "
            f"outside ({density_to_cgs(crust.rho_start[-1]):.4e}, {RHO1_CGS:.4e}) g/cm^3")
    return PiecewisePolytrope(
        crust.K[0], crust.Gamma + (gamma1, gamma2, gamma3),
        crust.rho_dividing + (rho0, rho1, rho2), gamma_th=gamma_th,
        name=name if name is not None else
        f"piecewise polytrope (log10 p1 = {log10_p1_cgs}, Gamma = {gamma1}, {gamma2}, "
        f"{gamma3})")


def eos_from_catalogue(name, gamma_th=None):
    """The piecewise polytrope of a catalogue EOS (``"sly"``, ``"APR4"``, ...; any case).

    Parameters
    ----------
    name : str
        One of :func:`list_eos`.
    gamma_th : float, optional
        Thermal index (> 1) of the hybrid EOS; cold only by default.

    Returns
    -------
    PiecewisePolytrope
        In code units (G = c = Msun = 1).
    """
    key = _lookup(name)
    return read_parametrized_eos(*READ_2009_FITS[key], gamma_th=gamma_th,
                                 name=f"{key} (Read et al. 2009)")


#: The star's EOS choices of a run (``--eos-id``): the polytrope of ``--K``/``--gamma`` or a
#: catalogue EOS (lower case).
POLYTROPE_ID = "polytrope"


def star_eos_ids():
    """Allowed ``eos_id`` values of a run: ``"polytrope"`` and the catalogue, lower case."""
    return (POLYTROPE_ID,) + tuple(name.lower() for name in READ_2009_FITS)


def star_cold_eos(eos_id=POLYTROPE_ID, K=100.0, gamma=2.0):
    """The cold EOS a run's star is built on: the polytrope ``K rho^gamma`` (one piece) for
    ``eos_id = "polytrope"``, else the catalogue's piecewise polytrope (cold only)."""
    if eos_id == POLYTROPE_ID:
        return PiecewisePolytrope.polytrope(float(K), float(gamma))
    return eos_from_catalogue(eos_id)
