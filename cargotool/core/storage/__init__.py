"""Storage: the Redis connection (real or embedded) and the relational database (peewee)."""
