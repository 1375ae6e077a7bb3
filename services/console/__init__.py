"""The staff console: the web workplace of the MCU staff, pages over the services APIs."""
