"""Demo: synthetic but realistic appeals so a newcomer sees the system work."""
