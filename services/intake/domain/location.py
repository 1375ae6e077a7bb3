"""Where a problem is, coarse enough to say nothing of who reported it (pure)."""

from __future__ import annotations


def coarse(value: float | None) -> float | None:
    """Coordinates rounded to two decimals: about a kilometre, not a house."""
    return None if value is None else round(value, 2)
