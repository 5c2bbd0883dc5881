"""initialdata package."""
