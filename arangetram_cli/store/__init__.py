"""The Store port (base.py) and its adapters, sqlite/ and mongo/, each a package imported late.
May import core; never planner, server, cli, ai or media."""
