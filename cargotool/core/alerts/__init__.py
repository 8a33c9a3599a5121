"""Saved searches and new-load alerts: the store, the watcher (one leader), the matcher index, delivery rules."""
