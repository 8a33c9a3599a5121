"""cargotool: CargoTech loads for a carrier's drivers, in Telegram."""

__version__ = "0.1.0"
