"""bssn package."""
