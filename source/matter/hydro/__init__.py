"""matter/hydro package."""
