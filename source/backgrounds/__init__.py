"""backgrounds package."""
