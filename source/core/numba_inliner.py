"""Moved to ``source.jit``; this name is kept until ``source.evolution.simulation`` imports
``shared_scope_copies`` from there."""

from source.jit import shared_scope_copies  # noqa: F401
