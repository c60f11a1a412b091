"""The Planner port (base.py): local/ (domain rules over a Store) and remote/ (the REST API).
May import core, store.base, ai and media edges late; never cli or server."""
