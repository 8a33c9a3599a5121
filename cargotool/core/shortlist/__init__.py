"""Favourites and hiding (issue 21 §5): a driver's short list of loads to phone through, and the loads and
companies they never want to see again — kept in the database so they follow the driver across devices."""
