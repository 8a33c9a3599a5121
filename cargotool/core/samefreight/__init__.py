"""Who really posts the load: postings of one trip by several companies, grouped (issue 21 §4)."""

from .cards import Folding, described, fold, lead
from .grouping import Group, Tolerance, group, same_trip
from .index import SameFreight

__all__ = ["Folding", "Group", "SameFreight", "Tolerance", "described", "fold", "group", "lead", "same_trip"]
