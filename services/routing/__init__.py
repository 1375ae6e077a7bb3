"""Routing: autorules, recipients, assignment, returns, disputes, answers, rating."""
