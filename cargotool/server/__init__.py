"""Sanic entry points: the app factory, blueprints, and error mapping."""
