"""Is the company real? The poster's and the shipper's legal status and age from the Russian company register
(ЕГРЮЛ/ЕГРИП) by INN, and whether it is in the register of transport forwarders, through DaData (issue 21 §3).

`register.py` asks DaData (its official client), `wording.py` says it in Russian, `store.py` keeps each answer a
day in our database, `service.py` puts it on cards (what is cached) and the detail, and fills the rest in the
background within a daily budget.
"""
