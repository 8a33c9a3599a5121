"""A load's contacts: who may see them, and sending them to the driver's chat.

A package of its own above `cargo` (the shared cache), `billing` (the paywall) and the bot's outbox: those
are handed in by the composition root (typed by small protocols here), never imported, so putting these
rules in `cargo` would not make the cache depend on billing and the bot."""
