"""Start-up: median wall time of arangetram commands against a Typer hello-world.

Each round runs every command once, interleaved, so machine noise hits all alike; the figure
that matters is the ratio of medians measured in the same run. The package is byte-compiled
first, as `pip install` does: with an editable install and PYTHONDONTWRITEBYTECODE set, every
run would otherwise compile our modules from source (~50 ms) and measure that instead.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    for k in ("MONGO_URL", "ARANGETRAM_API_URL", "ARANGETRAM_TOKEN", "ARANGETRAM_PROFILE"):
        env.pop(k, None)
    env.update(
        ARANGETRAM_DATA_DIR=str(tmp / "data"),
        ARANGETRAM_CONFIG_DIR=str(tmp / "config"),
        ARANGETRAM_CREDENTIALS="file",
        ARANGETRAM_BCRYPT_ROUNDS="4",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    return env


def _time(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=21)
    args = ap.parse_args(argv)
    py = sys.executable
    import compileall

    import arangetram_cli

    compileall.compile_dir(Path(arangetram_cli.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        env = _env(tmp)
        cli = [py, "-m", "arangetram_cli"]
        subprocess.run([*cli, "seed"], env=env, check=True, capture_output=True)
        subprocess.run(
            [
                *cli,
                "auth",
                "register",
                "--email",
                "b@example.com",
                "--name",
                "B",
                "--password-stdin",
            ],
            input="benchmark pw\n",
            text=True,
            env=env,
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [*cli, "events", "create", "--name", "E", "--date", "2027-01-01"],
            env=env,
            check=True,
            capture_output=True,
        )
        cases = {
            "typer hello-world": [py, str(HERE / "hello.py"), "hello"],
            "arangetram --help": [*cli, "--help"],
            "arangetram vendors list --json": [*cli, "vendors", "list", "--json"],
            "arangetram events list --json": [*cli, "events", "list", "--json"],
        }
        times: dict[str, list[float]] = {k: [] for k in cases}
        for cmd in cases.values():  # warm the page cache and .pyc files
            _time(cmd, env)
        for _ in range(args.rounds):
            for name, cmd in cases.items():
                times[name].append(_time(cmd, env))
    base = statistics.median(times["typer hello-world"])
    print(
        f"start-up, median of {args.rounds} interleaved rounds "
        f"(python {sys.version.split()[0]}, {os.cpu_count()} cpus)"
    )
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"  {name:34s} {med * 1000:7.1f} ms   ratio {med / base:4.2f}")


if __name__ == "__main__":
    main()
