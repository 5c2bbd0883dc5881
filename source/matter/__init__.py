"""matter package."""
