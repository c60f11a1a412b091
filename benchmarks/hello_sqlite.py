"""The job's own floor: the least a Typer program does to answer `vendors list --json` (open
the SQLite file, read the first page of active vendors best rated first, print it as JSON),
with none of the tool's checks, profiles or rendering. Run in the same loop as arangetram.

`python benchmarks/hello_sqlite.py vendors DB`
"""

import json
import sqlite3

import typer

app = typer.Typer()


@app.command()
def vendors(db: str, limit: int = 50) -> None:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    rows = conn.execute(
        "SELECT * FROM vendors WHERE is_active = 1"
        " ORDER BY rating DESC, business_name COLLATE NOCASE, id LIMIT ?",
        (limit,),
    ).fetchall()
    docs = [dict(r) for r in rows]
    for d in docs:
        for key in ("services", "portfolio_images"):
            d[key] = json.loads(d[key] or "[]")
    print(json.dumps(docs, indent=2, ensure_ascii=False))


@app.command()
def bye() -> None:
    print("bye")


if __name__ == "__main__":
    app()
