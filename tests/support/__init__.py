"""Test helpers: real parts (Kafka, PostgreSQL) and a small consuming application."""
