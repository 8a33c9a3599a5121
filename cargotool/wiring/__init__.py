"""The builders the composition root (cargotool/bootstrap.py) composes: one module per capability, each
building that capability's long-lived objects from `Settings` and what was built before it."""
