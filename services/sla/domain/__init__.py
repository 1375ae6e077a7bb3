"""Pure SLA logic: calendar, schedule, terms, policies, the deadline aggregate. No I/O."""
