"""The four services: intake, routing, sla, analytics."""
