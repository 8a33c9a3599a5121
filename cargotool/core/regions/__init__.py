"""Whole regions of Russia (oblast, krai, republic, federal city) as a search's side (issue 22 §3):
`from_region=61` — the region's id is its GeoNames admin1 code, the one the gazetteer keeps for each city."""

from .table import MAX_REGIONS, Region, RegionMap, find_regions, region, regions

__all__ = ["MAX_REGIONS", "Region", "RegionMap", "find_regions", "region", "regions"]
