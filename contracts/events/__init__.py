"""Payload models of the appeal lifecycle, one module per stage."""
