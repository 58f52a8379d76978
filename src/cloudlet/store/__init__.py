"""Persistence. Engines depend on the repository interfaces in `interfaces.py`; `sqlite.py` is the
embedded implementation (a PostgreSQL one can implement the same interfaces)."""
