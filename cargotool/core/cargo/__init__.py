"""Loads as people see them: filters, cards, and the caching service."""
