"""Start-up: arangetram commands against a two-command Typer hello-world, on the settings a
user has.

Logged-in commands are measured on the default settings (no ARANGETRAM_CREDENTIALS, no
PYTHON_KEYRING_BACKEND, no keyringrc.cfg) in three places:
  headless        no D-Bus session bus: the token is in the owner-only file
  secret-service  a private D-Bus session with gnome-keyring-daemon (started here, as
                  tests/scripts/secret_service_session.sh does): the token is in the keyring
  file            ARANGETRAM_CREDENTIALS=file
`--compare DIR` runs the same commands from another checkout of the package as well (e.g. the
base commit: `git worktree add /tmp/startup-base 38998fd`), in the same rounds.

Each round runs every case once, interleaved, so machine noise hits all alike. Figures are
medians of wall time and of CPU time (user + system of the process and anything it spawned,
from the kernel's rusage); the ratio is CPU time to the hello-world's, which stays steady on a
busy machine where wall time does not. A second ratio is to the job's own floor
(benchmarks/hello_sqlite.py: the same vendor page read with sqlite3 and printed as JSON by a
bare Typer command), which says what the tool itself adds. Both packages are byte-compiled
first, as `pip install` does: with PYTHONDONTWRITEBYTECODE set, every run would otherwise
compile our modules from source (~50 ms) and measure that instead.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE = HERE.parent
SETTINGS = ("headless", "secret-service", "file")
DROP = (
    "MONGO_URL",
    "DB_NAME",
    "JWT_SECRET",
    "ARANGETRAM_API_URL",
    "ARANGETRAM_TOKEN",
    "ARANGETRAM_PROFILE",
    "ARANGETRAM_DB",
    "ARANGETRAM_CREDENTIALS",
    "PYTHON_KEYRING_BACKEND",
    "PYDANTIC_DISABLE_PLUGINS",
    "DBUS_SESSION_BUS_ADDRESS",
    "GNOME_KEYRING_CONTROL",
    "SSH_AUTH_SOCK",
    "XDG_CURRENT_DESKTOP",
)


def _base_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DROP and not k.startswith("ARANGETRAM")}
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        ARANGETRAM_DATA_DIR=str(tmp / "data"),
        ARANGETRAM_BCRYPT_ROUNDS="4",
        ARANGETRAM_KEYRING_TIMEOUT="30",  # a loaded machine must not time the keyring out
    )
    return env


@contextlib.contextmanager
def secret_service(tmp: Path) -> Iterator[tuple[str | None, str]]:
    """A private D-Bus session bus with gnome-keyring's Secret Service on it, unlocked:
    yields (bus address, "") or (None, why not)."""
    missing = [c for c in ("dbus-daemon", "gnome-keyring-daemon") if shutil.which(c) is None]
    if missing:
        yield None, f"{', '.join(missing)} not installed (scripts/install-system-deps.sh)"
        return
    runtime = Path(tempfile.mkdtemp(prefix="ark-bus-"))  # short: sockets live here
    os.chmod(runtime, 0o700)
    env = _base_env(tmp) | {"XDG_RUNTIME_DIR": str(runtime)}
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # "Failed to set fd limit" when not root: harmless
        text=True,
        env=env,
    )
    keyring = None
    try:
        address = (bus.stdout.readline() if bus.stdout else "").strip()
        if not address:
            yield None, "dbus-daemon printed no address"
            return
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        keyring = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        assert keyring.stdin is not None
        keyring.stdin.write("arangetram-benchmark")  # the login keyring's password
        keyring.stdin.close()
        probe = "import secretstorage as s; print(s.check_service_availability(s.dbus_init()))"
        for _ in range(50):  # wait until it owns org.freedesktop.secrets
            r = subprocess.run(
                [sys.executable, "-c", probe], env=env, capture_output=True, text=True
            )
            if r.stdout.strip() == "True":
                break
            time.sleep(0.1)
        else:
            yield None, "gnome-keyring-daemon did not start its Secret Service"
            return
        yield address, ""
    finally:
        for proc in (keyring, bus):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(5)
        shutil.rmtree(runtime, ignore_errors=True)


def _run(cmd: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    r = subprocess.run(
        cmd, env=env, input=stdin, capture_output=True, text=True, timeout=120, cwd=env["HOME"]
    )
    if r.returncode != 0:
        sys.exit(f"benchmark setup failed: {' '.join(cmd[2:])}: {r.stderr.strip()}")
    return r.stdout


def _measure(name: str, cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    # in HOME, not here: `python -m` puts the working directory first on sys.path, which
    # would run this checkout's package whatever PYTHONPATH says (and read no stray .env)
    r = subprocess.run(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=env["HOME"]
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        sys.exit(f"{name} failed: {r.stderr.decode(errors='replace').strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rounds", type=int, default=21)
    ap.add_argument("--quick", action="store_true", help="3 rounds: does it run at all")
    ap.add_argument(
        "--compare", type=Path, metavar="DIR", help="another checkout to measure alongside"
    )
    args = ap.parse_args(argv)
    rounds = 3 if args.quick else args.rounds
    py = sys.executable
    trees = {"now": PACKAGE}
    if args.compare:
        if not (args.compare / "arangetram_cli").is_dir():
            sys.exit(f"--compare {args.compare}: no arangetram_cli package there")
        trees = {"base": args.compare.resolve(), "now": PACKAGE}
    for tree in trees.values():
        compileall.compile_dir(tree / "arangetram_cli", quiet=1)

    with tempfile.TemporaryDirectory(prefix="arangetram-startup-") as d:
        tmp = Path(d)
        base = _base_env(tmp)
        cli = [py, "-m", "arangetram_cli"]
        now = base | {"PYTHONPATH": str(PACKAGE), "ARANGETRAM_CONFIG_DIR": str(tmp / "setup")}
        _run([*cli, "seed"], now)
        register = [*cli, "auth", "register", "--email", "b@example.com", "--name", "B"]
        _run([*register, "--password-stdin"], now, "benchmark pw\n")
        event = _run([*cli, "-q", "events", "create", "--name", "E", "--date", "2027-01-01"], now)
        vendor = _run([*cli, "-q", "vendors", "list", "-n", "1"], now)
        _run([*cli, "bookings", "create", "-e", event.strip(), "-v", vendor.strip()], now)

        with secret_service(tmp) as (bus, why_not):
            # Each tree logs in with its own code, into its own config directory: the way
            # a login is stored may differ between them (one entry per profile and backend).
            envs: dict[tuple[str, str], dict[str, str]] = {}
            for tag, tree in trees.items():
                for setting in SETTINGS:
                    if setting == "secret-service" and bus is None:
                        continue
                    env = base | {"ARANGETRAM_CONFIG_DIR": str(tmp / f"config-{setting}-{tag}")}
                    if setting == "secret-service":
                        env["DBUS_SESSION_BUS_ADDRESS"] = str(bus)
                    if setting == "file":
                        env["ARANGETRAM_CREDENTIALS"] = "file"
                    login = [*cli, "auth", "login", "--email", "b@example.com", "--password-stdin"]
                    _run(login, env | {"PYTHONPATH": str(tree)}, "benchmark pw\n")
                    envs[tag, setting] = env
            if bus is not None:  # the login went where it should have
                where = _run(
                    [*cli, "auth", "whoami", "--json"],
                    envs["now", "secret-service"] | {"PYTHONPATH": str(PACKAGE)},
                )
                if '"keyring (SecretService)"' not in where:
                    sys.exit(f"the Secret Service did not get the token: {where}")

            db = json.loads(_run([*cli, "config", "show", "--json"], now))["db"]
            cases: dict[str, tuple[list[str], dict[str, str]]] = {
                "typer hello-world": ([py, str(HERE / "hello.py"), "hello"], base),
                # the same job as `vendors list --json` in the least Typer code that does it
                "typer + sqlite3 floor": ([py, str(HERE / "hello_sqlite.py"), "vendors", db], base),
            }
            for tag, tree in trees.items():
                label = f"[{tag}] " if len(trees) > 1 else ""
                path = {"PYTHONPATH": str(tree)}
                head = envs[tag, "headless"] | path
                cases[f"{label}--help"] = ([*cli, "--help"], head)
                cases[f"{label}vendors list --json"] = ([*cli, "vendors", "list", "--json"], head)
                for (owner, setting), env in envs.items():
                    if owner != tag:
                        continue
                    for group in ("events", "bookings"):
                        name = f"{label}{group} list --json ({setting})"
                        cases[name] = ([*cli, group, "list", "--json"], env | path)

            for name, (cmd, env) in cases.items():  # warm the page cache (and the memo)
                _measure(name, cmd, env)
            walls: dict[str, list[float]] = {k: [] for k in cases}
            cpus: dict[str, list[float]] = {k: [] for k in cases}
            for _ in range(rounds):
                for name, (cmd, env) in cases.items():
                    wall, cpu = _measure(name, cmd, env)
                    walls[name].append(wall)
                    cpus[name].append(cpu)

    hello_cpu = statistics.median(cpus["typer hello-world"])
    print(
        f"start-up, medians of {rounds} interleaved rounds "
        f"(python {sys.version.split()[0]}, {os.cpu_count()} cpus); logged in, default settings"
    )
    if why_not:
        print(f"  secret-service: skipped, {why_not}")
    floor_cpu = statistics.median(cpus["typer + sqlite3 floor"])
    print(f"  {'command':52s} {'wall':>8s} {'cpu':>8s}   cpu ratio to hello-world, to the floor")
    for name in cases:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        print(
            f"  {name:52s} {wall * 1000:5.0f} ms {cpu * 1000:5.0f} ms"
            f"   {cpu / hello_cpu:4.2f}  {cpu / floor_cpu:4.2f}"
        )


if __name__ == "__main__":
    main()
