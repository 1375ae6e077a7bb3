"""Intake: the only door from outside; registers appeals and emits AppealRegistered."""
