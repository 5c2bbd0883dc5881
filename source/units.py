"""Code units G = c = M_sun = 1 and their conversions to physical units, defined once.

Two sets of constants, each used where its precision matters:

* lengths, densities and pressures (cgs) from G, c and M_sun separately: G = 6.67430e-8
  cm^3 g^-1 s^-2 (CODATA 2018), c = 2.99792458e10 cm s^-1 (exact), M_sun = 1.98841e33 g
  (IAU 2015 nominal G M_sun / CODATA 2018 G). The length unit is G M_sun / c^2 =
  1.476625 km, the density unit M_sun / L^3 = 6.175828e17 g cm^-3, the pressure (and energy
  density) unit (density unit) c^2 = 5.550557e38 dyn cm^-2. These convert EOS tables
  (Read et al. 2009 give P / c^2 in g cm^-3) and print stars in km and g cm^-3.
* times and frequencies from the IAU 2015 nominal solar mass parameter G M_sun =
  1.3271244e20 m^3 s^-2, known to 10 digits (G alone to 5): 1 M_sun of time is
  G M_sun / c^3 = 4.925490947e-6 s. Mode frequencies (kHz) and times (ms) use it.

The two time units G M_sun / c^3 agree to 1e-6 (the precision of G).
"""

# --- lengths, densities and pressures (cgs) -------------------------------------------
#: Newton's constant (cgs), speed of light (cm/s) and solar mass (g) defining the code units.
G_CGS = 6.67430e-8
C_CGS = 2.99792458e10
MSUN_G = 1.98841e33
#: Code unit of length (cm): G Msun / c^2.
LENGTH_UNIT_CM = G_CGS * MSUN_G / C_CGS**2
#: Code unit of length in km.
LENGTH_UNIT_KM = LENGTH_UNIT_CM * 1.0e-5
#: Code unit of (rest-mass) density in g cm^-3: Msun / L^3.
DENSITY_UNIT_CGS = MSUN_G / LENGTH_UNIT_CM**3
#: Code unit of pressure (and energy density) in dyn cm^-2 (erg cm^-3).
PRESSURE_UNIT_CGS = DENSITY_UNIT_CGS * C_CGS**2

# --- times and frequencies -------------------------------------------------------------
#: 1 M_sun of time in seconds: G M_sun / c^3 with the IAU 2015 nominal G M_sun.
MSUN_SECONDS = 4.925490947e-6
#: 1 M_sun of time in milliseconds; a frequency f [1/M_sun] is f / MSUN_MS kHz.
MSUN_MS = MSUN_SECONDS * 1e3
