"""Who really posts the load: postings of one trip by several companies, grouped (issue 21 §4)."""

from .grouping import Group, Tolerance, group, same_trip

__all__ = ["Group", "Tolerance", "group", "same_trip"]
