"""The yardstick: a two-command Typer hello-world, run in the same loop as arangetram."""

import typer

app = typer.Typer()


@app.command()
def hello(name: str = "world") -> None:
    print(f"hello {name}")


@app.command()
def bye(name: str = "world") -> None:
    print(f"bye {name}")


if __name__ == "__main__":
    app()
