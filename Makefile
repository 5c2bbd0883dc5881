# tovflow: the two commands are `make run` (a default-star demo) and `make test`.
# Both create .venv/ and install the package with its dev, plot and docs extras on first use.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Timings (bench, profile) default to one Numba thread (state it with every figure);
# runs and tests use Numba's default (all cores; the kernels go parallel only for N >= 1000).
BENCH_THREADS ?= 1

.PHONY: install warm run run-full collapse migration test test-all coverage lint docs bench \
	profile \
	baseline-check \
	baseline-update clean

# Installing also compiles the kernels of the common runs (source/warmup.py, about 90 s on
# 2 cores) into Numba's cache, so that the first run starts in about a second; `make warm`
# does it again after the kernels changed (runs would otherwise compile what they need).
$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,plot,docs]"
	$(PY) -m source.warmup
	touch $(STAMP)

install: $(STAMP)

warm: $(STAMP)
	$(PY) -m source.warmup

# Demo: the default star on a short run (N = 200, r_max = 20, CFL 0.4, t = 600: about
# 8 fundamental-mode periods in a few seconds), then its summary (mode frequencies, rest-mass
# books) and figures in demo_plots/.
run: $(STAMP)
	$(PY) TOVEvolution.py --num-points 200 --r-max 20 --cfl 0.4 --t-final 600 \
		--output tov_demo.h5 --overwrite
	$(PY) -m source.evolution.analysis tov_demo.h5 --plot demo_plots
	@echo "Full default run (old code's default: N = 2000, r_max = 100, t = 2000, about 1 min):"
	@echo "  make run-full    (or: $(PY) TOVEvolution.py --output tov_full.h5)"

run-full: $(STAMP)
	$(PY) TOVEvolution.py --output tov_full.h5 --overwrite

# Collapse to a black hole (Montero, Baumgarte & Mueller 2014): rho_c = 3.15e-3, pressure
# lowered by 0.5 %, N = 2000 over r_max = 100, t = 300 (about 1 min on 2 cores).
collapse: $(STAMP)
	mkdir -p runs
	$(PY) TOVEvolution.py --mode dynamic --rho-central 3.15e-3 --perturbation pressure_scale \
		--perturbation-factor 0.995 --num-points 2000 --r-max 100 --t-final 300 --cfl 0.25 \
		--timeseries-every 20 --output runs/collapse.h5 --overwrite
	$(PY) -m source.evolution.analysis runs/collapse.h5 --plot runs/collapse_plots

# Migration of the unstable rho_c = 7.9934e-3 star to the stable branch (Font et al. 2002):
# N = 2000 over r_max = 100, t = 1500 (a few minutes on 2 cores).
migration: $(STAMP)
	mkdir -p runs
	$(PY) TOVEvolution.py --mode dynamic --rho-central 7.9934e-3 --num-points 2000 \
		--r-max 100 --t-final 1500 --cfl 0.25 --timeseries-every 20 \
		--output runs/migration.h5 --overwrite
	$(PY) -m source.evolution.analysis runs/migration.h5 --plot runs/migration_plots

# Unit, physics and regression tests; long physics runs (@pytest.mark.slow) excluded.
# One pytest worker per core (pytest-xdist; TEST_WORKERS=0 runs in this process), tests
# handed out as workers free up: most of the time goes to compiling drivers, one per scheme.
TEST_WORKERS ?= auto
TEST_FLAGS = -q --benchmark-disable -n $(TEST_WORKERS) --dist worksteal

test: $(STAMP)
	$(PY) -m pytest -m "not slow" $(TEST_FLAGS)

test-all: $(STAMP)
	$(PY) -m pytest $(TEST_FLAGS)

# Line coverage of source/ by the CI tests (pytest-cov; compiled kernels count by their
# Python lines, which Numba does not trace: a baseline to compare changes against).
coverage: $(STAMP)
	$(PY) -m pytest -m "not slow" $(TEST_FLAGS) --cov=source --cov=TOVEvolution \
		--cov-report=term:skip-covered --cov-report=json:coverage.json

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# The documentation site (MkDocs + Material, docs/ and mkdocs.yml) into site/, warnings as
# errors: a broken link or anchor, a page missing from the navigation, or a failing
# generated page (run options, API reference) fails the build.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info tov_demo.h5 demo_plots runs site \
		.coverage coverage.json

# Stored baseline outputs (baselines/*.h5): compare fresh runs on both paths / regenerate.
baseline-check: $(STAMP)
	$(PY) -m source.validation.baselines check

baseline-update: $(STAMP)
	$(PY) -m source.validation.baselines update

# pytest-benchmark over RHS, one RK4 step, 100 RK4 steps (N = 400, 2000) and c2p, both paths.
bench: $(STAMP)
	NUMBA_NUM_THREADS=$(BENCH_THREADS) $(PY) -m pytest tests/benchmarks -q \
		--benchmark-only --benchmark-json=profiling/benchmarks.json \
		--benchmark-columns=median,min,rounds
	$(PY) profiling/bench_table.py profiling/benchmarks.json

# cProfile reports (profiling/*.prof) and profiling/REPORT.md.
profile: $(STAMP)
	NUMBA_NUM_THREADS=$(BENCH_THREADS) $(PY) profiling/profile_run.py
