"""«По пути»: whether a point or a load lies along the great-circle route from A to B (issue 22 §3)."""

from .geometry import along_track_km, corridor_distance_km, load_on_way, on_way, within_corridor

__all__ = ["along_track_km", "corridor_distance_km", "load_on_way", "on_way", "within_corridor"]
