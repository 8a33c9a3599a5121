"""Fault tests: Redis cut or failing over, PostgreSQL blackholed or refused, a database without its schema,
SQLite read-only, a worker killed — each asserting the answers and figures of issue 18."""
