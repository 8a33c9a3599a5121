"""Insights on a load: economics with the empty run, the lane's market rate, the trip back."""
