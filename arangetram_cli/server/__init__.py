"""`arangetram serve`: the REST API of api-contract.md over LocalPlanner (FastAPI, uvicorn).
May import core, store, planner.local, ai, media; never cli. Imported only when serve runs."""
