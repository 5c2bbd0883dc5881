"""Time evolution: RHS assembly paths (modular, fused), RK4 drivers, diagnostics, output."""
