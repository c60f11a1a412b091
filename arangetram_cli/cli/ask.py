"""`arangetram ask`: the AI planning assistant, streamed; a chat at a terminal.

    arangetram ask "Which halls in Fremont seat 400?" --event 1a2b
    arangetram ask                      # a chat (at a terminal)
    echo "What does an orchestra cost?" | arangetram ask
    arangetram ask --continue           # resume the last conversation
    arangetram ask --history            # your conversations
    arangetram ask --show 1a2b -o json  # one conversation

Answers stream as they arrive: Markdown on a terminal, plain text when piped. With no
provider configured (or --offline) the offline planner answers from the catalog and the event.
Conversations are saved in the store, owned by the logged-in user (or, with no login, by this
machine's anonymous owner; see ai/history.py).
"""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
from typing import Annotated, Any

import typer

from arangetram_cli.ai.chat import answer_stream
from arangetram_cli.ai.client import llm_env, resolve_provider
from arangetram_cli.ai.history import Conversations, anonymous_owner
from arangetram_cli.ai.keys import LlmKeys
from arangetram_cli.ai.render import renderer_for
from arangetram_cli.cli.context import State, open_sqlite, state
from arangetram_cli.cli.output import Col, one_line, report_error
from arangetram_cli.cli.params import short
from arangetram_cli.core.errors import ArangetramError, Invalid, NotFound
from arangetram_cli.store.conversations import conversations

app = typer.Typer(rich_markup_mode=None, add_completion=False)

ASK_EPILOG = """Providers: GEMINI_API_KEY, OPENAI_API_KEY, EMERGENT_LLM_KEY, OLLAMA_HOST, or
ARANGETRAM_LLM_BASE_URL/_API_KEY/_MODEL; keys stored with `arangetram config set-key`.
Exit codes: 2 bad input, 3 the provider refused the key, 4 event or conversation not found,
6 provider unreachable, timed out, over quota or cut off (what was streamed is kept, marked
incomplete), 130 interrupted."""

HISTORY_COLUMNS = [
    Col("id", "Id", short, priority=0, fixed=True),
    Col("title", "Title", priority=0, min_width=16),
    Col("message_count", "Messages", priority=2, fixed=True),
    Col("status", "Status", lambda d: d.get("status") or "", priority=3, fixed=True),
    Col("event_id", "Event", lambda d: str(d.get("event_id") or "")[:8], priority=2, fixed=True),
    Col(
        "updated_at",
        "Updated",
        lambda d: str(d.get("updated_at", ""))[:16].replace("T", " "),
        fixed=True,
    ),
]
CHAT_HELP = (
    "/exit (or Ctrl-D) leaves, /new starts a new conversation, /event ID sets the event "
    "(/event none clears it), Ctrl-C stops an answer."
)


class _Session:
    """One `ask` run: the planner, the owner's conversations, the provider."""

    def __init__(self, st: State, *, offline: bool, provider: str | None, model: str | None):
        self.st = st
        self.planner = st.planner()
        self.offline = offline or provider == "offline"
        # remote mode: the server's provider answers (none is resolved here)
        self.remote = getattr(self.planner, "store", None) is None and hasattr(
            self.planner, "ask_stream"
        )
        self._provider_name = provider
        self._model = model
        self._provider: Any = None
        self._resolved = False
        self._store: Any = None
        self._own_store = False
        self._convs: Any = None

    # ---- who and where ---------------------------------------------------------------------
    @property
    def conversations(self) -> Any:
        if self._convs is None:
            st = self.st
            store = getattr(self.planner, "store", None)
            if store is None:  # remote mode: conversations stay in the local store for now
                store = self._store = open_sqlite(st.settings.db_path)
                self._own_store = True
            if st.stored_token() is not None:
                owner = st.planner(auth=True).me()["id"]
            else:
                owner = anonymous_owner(st.settings.secret_path.parent / "anonymous_id")
            self._convs = Conversations(conversations(store), owner)
        return self._convs

    def provider(self) -> Any:
        if not self._resolved:
            self._resolved = True
            if not self.offline and not self.remote:
                keys = LlmKeys(self.st.settings)
                self._provider = resolve_provider(
                    llm_env(settings=self.st.settings),
                    provider=self._provider_name,
                    model=self._model,
                    stored_key=keys.get,
                )
        return self._provider

    def event_id(self, ref: str) -> str:
        return self.st.planner(auth=True).get_event(ref)["id"]

    def close(self) -> None:
        if self._own_store and self._store is not None:
            self._store.close()

    # ---- one question, one answer ----------------------------------------------------------
    def turn(
        self, conv: dict[str, Any] | None, question: str, event_ref: str | None, renderer: Any
    ) -> tuple[dict[str, Any], dict[str, Any], BaseException | None]:
        """Ask, stream into `renderer`, save both messages. Returns (conversation, the answer
        message, the error or KeyboardInterrupt that stopped it, if any)."""

        history = [*(conv or {}).get("messages", []), {"role": "user", "content": question}]
        ask = getattr(self.planner, "ask_stream", None)
        kwargs = {"provider": self.provider(), "offline": self.offline, "debug": self.st.debug}
        if ask is not None:
            stream = ask(history, event_ref, **kwargs)
        else:  # a planner without the method (an older port): answer from here
            stream = answer_stream(self.planner, history, event_ref, **kwargs)
        convs = self.conversations
        if conv is None:
            conv = convs.start(question, event_id=event_ref)
        convs.add(conv, {"role": "user", "content": question})
        parts: list[str] = []
        stopped: BaseException | None = None
        chunks = iter(stream)
        try:
            for chunk in chunks:
                parts.append(chunk)
                renderer.feed(chunk)
        except (ArangetramError, KeyboardInterrupt) as e:
            stopped = e
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
            try:
                renderer.finish()
            except KeyboardInterrupt:
                stopped = stopped or KeyboardInterrupt()
            message: dict[str, Any] = {
                "role": "assistant",
                "content": "".join(parts),
                "source": stream.source,
            }
            if stopped is not None:
                message["incomplete"] = True
                message["error"] = (
                    "stopped with Ctrl-C"
                    if isinstance(stopped, KeyboardInterrupt)
                    else getattr(stopped, "message", str(stopped))
                )
            if event_ref:
                message["event_id"] = event_ref
            failed = isinstance(stopped, ArangetramError) and not message["content"].strip()
            if failed:  # an error before any answer: kept, but marked
                message["failed"] = True
            saved = convs.add(conv, message)
            _mark(convs, conv)
        return conv, saved, stopped


def _mark(convs: Any, conv: dict[str, Any]) -> None:
    """A conversation is "failed" until one of its questions got an answer: `ask --history`
    leaves those out unless --all."""
    answered = any(
        m.get("role") == "assistant" and not m.get("failed") for m in conv.get("messages", [])
    )
    status = "answered" if answered else "failed"
    if conv.get("status") != status:
        convs.repo.update(conv["id"], {"status": status})
        conv["status"] = status


class _Null:
    def feed(self, text: str) -> None:
        pass

    def finish(self) -> None:
        pass


def _renderer(st: State) -> Any:
    if st.out.fmt in ("json", "jsonl") or st.out.quiet:
        return _Null()

    return renderer_for(sys.stdout, color=st.out.use_color)


def _print_json(st: State, conv: dict[str, Any]) -> None:

    if st.out.fmt == "jsonl":
        print(json.dumps(conv, ensure_ascii=False))
    else:
        print(json.dumps(conv, ensure_ascii=False, indent=2))


@app.command("ask", epilog=ASK_EPILOG)
def ask(
    ctx: typer.Context,
    question: Annotated[
        list[str] | None,
        typer.Argument(
            help="The question (several words are joined). None: read it from piped stdin, "
            "or open a chat at a terminal.",
            show_default=False,
        ),
    ] = None,
    event: Annotated[
        str | None,
        typer.Option("--event", "-e", help="Event id or prefix to plan around (needs a login)."),
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Answer with the offline planner, no AI provider.")
    ] = False,
    continue_: Annotated[
        bool, typer.Option("--continue", "-c", help="Resume your last conversation.")
    ] = False,
    conversation: Annotated[
        str | None,
        typer.Option("--conversation", help="Resume this conversation (id or prefix)."),
    ] = None,
    history: Annotated[bool, typer.Option("--history", help="List your conversations.")] = False,
    show: Annotated[
        str | None,
        typer.Option("--show", metavar="ID", help="Print one conversation (-o json for JSON)."),
    ] = None,
    provider: Annotated[
        str | None,
        typer.Option(
            "--provider",
            help="gemini, openai, emergent, ollama, custom or offline (default: detected).",
        ),
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", help="Model name (default: the provider's).")
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=1000, help="Conversations to list.")
    ] = 50,
    all_: Annotated[
        bool, typer.Option("--all", help="With --history: failed asks too (no answer).")
    ] = False,
) -> None:
    """Ask the AI planning assistant; with no question at a terminal, chat."""

    st = state(ctx)
    session = _Session(st, offline=offline, provider=provider, model=model)
    try:
        convs = None
        if history:
            convs = session.conversations
            found = convs.list(limit=limit)
            shown = found if all_ else [c for c in found if c.get("status") != "failed"]
            st.out.items(
                shown,
                HISTORY_COLUMNS,
                title="Conversations",
                empty='no conversations yet: arangetram ask "..."',
            )
            if len(shown) < len(found):
                hidden = len(found) - len(shown)
                st.out.note(
                    f"{hidden} failed ask(s) without an answer not shown (--all shows them)"
                )
            return
        if show:
            _show(st, session.conversations.get(show))
            return
        conv = None
        if conversation:
            conv = session.conversations.get(conversation)
        elif continue_:
            conv = session.conversations.latest()
            if conv is None:
                raise NotFound(
                    "no conversation to continue", hint='start one: arangetram ask "..."'
                )
        event_ref = session.event_id(event) if event else (conv or {}).get("event_id")
        if event and conv is not None:
            session.conversations.set_event(conv, event_ref)
        text = " ".join(question or []).strip()
        if not text and conv is not None and st.out.fmt in ("json", "jsonl"):
            _print_json(st, conv)
            return
        if not text and not st.io.stdin_is_tty:
            text = sys.stdin.read().strip()
        if not text:
            if st.io.can_prompt:
                _chat(st, session, conv, event_ref)
                return
            raise Invalid("missing QUESTION (a chat needs a terminal; or pipe the question in)")
        conv, _, stopped = session.turn(conv, text, event_ref, _renderer(st))
        if st.out.quiet:
            print(conv["id"])  # CONV=$(arangetram -q ask "...")
        elif st.out.fmt in ("json", "jsonl"):
            _print_json(st, conv)
        if isinstance(stopped, KeyboardInterrupt):
            st.out.note(f"stopped; the answer so far is saved in conversation {conv['id'][:8]}")
            raise KeyboardInterrupt
        if stopped is not None:
            raise stopped
    finally:
        session.close()


def _show(st: State, conv: dict[str, Any]) -> None:
    if st.out.fmt in ("json", "jsonl") or (st.out.fmt is None and st.out.format == "json"):
        _print_json(st, conv)
        return

    print(f"# {one_line(conv.get('title'))}  ({conv['id']})")
    for m in conv.get("messages", []):
        who = "you" if m.get("role") == "user" else f"assistant ({m.get('source', '?')})"
        when = one_line(str(m.get("created_at", ""))[:16].replace("T", " "))
        print(f"\n## {one_line(who)}, {when}\n")
        r = renderer_for(sys.stdout, color=st.out.use_color)
        r.feed(m.get("content") or "")
        r.finish()
        if m.get("incomplete"):
            print(f"[incomplete: {one_line(m.get('error') or 'stopped')}]")


def _chat(st: State, session: _Session, conv: dict[str, Any] | None, event_ref: str | None) -> None:
    """The chat loop: the conversation survives errors and Ctrl-C during an answer."""

    st.io.line_editing()
    provider = session.provider()
    who = "the offline planner" if provider is None else provider.label
    if session.remote:
        who = "the offline planner of the server" if session.offline else "the server's assistant"
    err = sys.stderr
    banner = f"Arangetram planning assistant ({one_line(who)}). {CHAT_HELP}"
    width = shutil.get_terminal_size().columns
    print(textwrap.fill(banner, width=max(20, width - 1), break_on_hyphens=False), file=err)
    if conv is not None:
        print(
            f"continuing: {one_line(conv.get('title'))} ({len(conv.get('messages', []))} messages)",
            file=err,
        )
    if event_ref:
        print(f"event: {event_ref[:8]}", file=err)
    while True:
        try:
            line = input("\nyou> ").strip()
        except EOFError:
            print(file=err)
            return
        except KeyboardInterrupt:
            print("\n(/exit or Ctrl-D leaves the chat)", file=err)
            continue
        if not line:
            continue
        if line.startswith("/"):
            cmd, _, arg = line.partition(" ")
            arg = arg.strip()
            if cmd in ("/exit", "/quit"):
                return
            if cmd == "/new":
                conv = None
                print("new conversation", file=err)
            elif cmd == "/event":
                try:
                    if arg.lower() in ("", "none", "-"):
                        event_ref = None
                    else:
                        event_ref = session.event_id(arg)
                    if conv is not None:
                        session.conversations.set_event(conv, event_ref)
                    print(f"event: {event_ref[:8] if event_ref else 'none'}", file=err)
                except ArangetramError as e:
                    report_error(e.message, e.hint)
            elif cmd == "/help":
                print(CHAT_HELP, file=err)
            else:
                print(f"unknown command {one_line(cmd)}; {CHAT_HELP}", file=err)
            continue
        print(file=err)
        try:
            conv, _, stopped = session.turn(
                conv, line, event_ref, renderer_for(sys.stdout, color=st.out.use_color)
            )
        except ArangetramError as e:  # before any answer: the event, the provider, ...
            report_error(e.message, e.hint)
            continue
        except KeyboardInterrupt:
            print("\nstopped", file=err)
            continue
        if isinstance(stopped, KeyboardInterrupt):
            print("stopped; the answer so far is kept", file=err)
        elif isinstance(stopped, ArangetramError):
            report_error(stopped.message, stopped.hint)
