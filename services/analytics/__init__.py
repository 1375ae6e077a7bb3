"""Analytics: the whole log in ClickHouse (chDB embedded, a server in production)."""
