"""The dev stack the project starts itself: Apache Kafka (KRaft) and PostgreSQL."""
