"""`arangetram serve`: the REST API of api-contract.md over LocalPlanner (FastAPI + uvicorn,
the optional `server` extra). Nothing here is imported by the CLI unless `serve` runs."""
