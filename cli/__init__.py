"""`mcu`: the one command-line door to the platform."""
