"""«Я свободен в … с …» (issue 22 §1): where and from when a driver is free, and what follows from it.

- **Stored** per driver in `driver_availability` (migration 40): the gazetteer city (CargoTech point id and the
  name the gazetteer knows), the day, the radius. The driver clears it (`DELETE /api/me/availability`);
  «Удалить мои данные» deletes it (`Availabilities.forget`, called by core/privacy).
- **Expires** `EXPIRE_DAYS` after its day: reads filter it out at once (read-time), and the hourly job
  `expire-availability` deletes the rows and their saved searches.
- **Alerts** go through the existing watcher: the availability writes a *system saved search* of the driver
  (`saved_searches.kind = "availability"`, core/alerts/searches.py) with `from`/`from_radius` and the local
  `free_from` day, so quiet hours, the hourly cap, hidden companies and the paywall apply as to any alert, and
  no second watcher exists.
- **The feed** is one list page of the shared cache (the same `LoadQuery` any driver asking for loads from that
  city and radius makes; no date upstream, as CargoTech's date filter means "loadable on that very day"), kept
  to loads still loadable on or after the day: no per-driver CargoTech call.
- **The proposal**: the unloading city and day of the driver's accepted response (core/responses), when the
  gazetteer knows the city and the day has not passed.
"""
