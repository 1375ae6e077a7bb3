"""Infrastructure every service shares: settings, stores, outbox relay, tracked consumer,
clock, logging, operations endpoints and the dev stack. No service copies any of it."""
