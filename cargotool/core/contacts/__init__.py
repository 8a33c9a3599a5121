"""A load's contacts: who may see them, and sending them to the driver's chat.

A package of its own above `cargo` (the shared cache), `billing` (the paywall) and `messaging` (the
outbox), which the composition root hands in (typed by small protocols here). In `cargo` these rules
would make the cache, which alerts and insights use, depend on billing and messaging."""
