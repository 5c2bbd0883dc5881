#!/usr/bin/env python
"""Evolve a TOV star: ``python TOVEvolution.py [options]`` (see ``--help``).

Runs the standard polytropic star (K = 100, Gamma = 2, rho_c = 1.28e-3) in the Cowling
approximation with the old code's defaults (N = 2000, r_max = 100, t_final = 2000, CFL 0.1,
MP5 + HLL) and writes one HDF5 file (layout in ``source/evolution/output.py`` and the
README). Exit codes: 0 success, 1 the evolution stopped (NaN or c2p failure; the output
keeps everything up to the last good step), 2 invalid input (nothing is written).
"""

import argparse
import re
import sys

from source import __version__

EXIT_OK, EXIT_EVOLUTION_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class _InputError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit code 2 via ``main``) and negative numbers in
    scientific notation accepted as values (``--rho-central -1e-3`` is then a clear
    validation error instead of a usage dump)."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")

    def error(self, message):
        raise _InputError(message)


def build_parser():
    from source.evolution.options import CONTROL, OPTIONS
    from source.evolution.simulation import RunConfig

    defaults = RunConfig()
    p = _Parser(
        prog="TOVEvolution.py",
        description="Evolve a relativistic polytropic star (TOV) with GR hydrodynamics in "
                    f"spherical symmetry (tovflow {__version__}). Defaults: the old code's "
                    "default star (N = 2000, r_max = 100, t = 2000, Cowling, MP5, HLL). "
                    "Options come from the command line, then a --config file, then the "
                    "defaults.")
    groups = {}
    for o in OPTIONS:
        if o.group == CONTROL:
            continue
        g = groups.setdefault(o.group, p.add_argument_group(o.group))
        _add_option(g, o, getattr(defaults, o.name))
    g = p.add_argument_group("run control")
    g.add_argument("--config", default=None, metavar="FILE.toml",
                   help="read the run's options from a TOML file (command-line flags "
                   "override it); see examples/")
    g.add_argument("--print-config", action="store_true", help="print the effective "
                   "configuration as TOML and exit")
    g.add_argument("--output", default=None, help="HDF5 output file [default: "
                   "tov_<mode>_N<N>.h5 in the current directory]")
    g.add_argument("--overwrite", action="store_true", help="replace an existing output")
    g.add_argument("--restart-from", default=None, metavar="FILE.h5",
                   help="continue the run checkpointed in FILE.h5 (same physics) to its "
                   "end or to a later --t-final/--steps, writing a new --output")
    for o in OPTIONS:
        if o.group == CONTROL:
            _add_option(g, o, getattr(defaults, o.name))
    g.add_argument("--quiet", action="store_true", help="no progress output")
    return p


def _add_option(group, o, default):
    if o.type is bool:
        group.add_argument(o.flag, dest=o.name, action="store_const", const=True,
                           default=None, help=f"{o.help} [default: off]")
        return
    allowed = o.allowed()
    text = o.help + (f" ({', '.join(allowed)})" if allowed else "")
    group.add_argument(o.flag, dest=o.name, type=o.type, default=None,
                       help=f"{text} [default: {default}]")


def fail_input(msg):
    print(f"TOVEvolution.py: error: {msg}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _config_from_args(args):
    """RunConfig from the command line over a --config file, or from the restart file plus
    the options a restart may change (``options.OPTIONS``: ``restart`` = extend / free).

    Returns (config, restart) where restart is None or a ``runner.Restart``.
    """
    from source.evolution.options import OPTIONS, read_config_file
    from source.evolution.runner import restart_config
    from source.evolution.simulation import ConfigError, RunConfig

    given = {o.name: getattr(args, o.name) for o in OPTIONS
             if getattr(args, o.name) is not None}
    if given.get("steps") is not None and "t_final" in given:
        raise ConfigError("--steps: give either --steps or --t-final, not both")
    if args.config is not None:
        from_file = read_config_file(args.config)
        if "t_final" in given:
            from_file.pop("steps", None)
        if "steps" in given:
            from_file.pop("t_final", None)
        given = {**from_file, **given}
    if args.restart_from is None:
        return RunConfig(**given).validate(), None
    return restart_config(args.restart_from, **given)


def main(argv=None):
    try:
        args = build_parser().parse_args(argv)
    except _InputError as e:
        return fail_input(str(e))
    from source.evolution.runner import check_output, run, terminal_progress
    from source.evolution.simulation import ConfigError

    try:
        cfg, restart = _config_from_args(args)
        if args.print_config:
            from source.evolution.options import to_toml

            print(to_toml(cfg), end="")
            return EXIT_OK
        out = check_output(cfg, args.output, args.overwrite, restart)
    except (ConfigError, ValueError) as e:
        return fail_input(str(e))
    try:
        result = run(cfg, out, restart, overwrite=True,
                     progress=None if args.quiet else terminal_progress)
    except ConfigError as e:
        return fail_input(str(e))
    return result.code


if __name__ == "__main__":
    sys.exit(main())
