"""The weekly analytical memo for the head of the municipality (HTML and PDF)."""
