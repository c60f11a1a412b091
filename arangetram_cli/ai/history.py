"""Conversations of one owner: start, resolve by id or prefix, add messages, list.

Who owns a conversation:
- a logged-in user (users and guests alike): their user id;
- nobody logged in: a local anonymous owner, `anon:<uuid>`, the uuid made once and kept in
  `anonymous_id` beside the database (owner-only). Anonymous chats stay anonymous after a
  later login (they are not merged into the account), and another machine sharing the same
  MongoDB has its own anonymous owner.

A conversation of another owner is "not found", exactly like one that does not exist.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

from arangetram_cli.core import refs
from arangetram_cli.core.errors import NotFound
from arangetram_cli.core.refs import MIN_PREFIX
from arangetram_cli.core.values import new_id, now_iso
from arangetram_cli.store.base import Doc

MAX_HISTORY_MESSAGES = 20
MAX_HISTORY_CHARS = 24_000


def anonymous_owner(path: Path) -> str:
    """The local anonymous owner id kept at `path` (created on first use, mode 0600)."""
    try:
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return f"anon:{value}"
    except OSError:
        pass
    value = str(uuid.uuid4())
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return anonymous_owner(path)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(value + "\n")
    return f"anon:{value}"


def title_of(question: str) -> str:
    line = " ".join(question.split())
    return line if len(line) <= 60 else line[:57].rstrip() + "..."


class Conversations:
    def __init__(self, repo: Any, owner_id: str) -> None:
        self.repo = repo
        self.owner_id = owner_id

    def start(self, title: str, *, event_id: str | None = None) -> Doc:
        now = now_iso()
        doc = {
            "id": new_id(),
            "owner_id": self.owner_id,
            "title": title_of(title) or "(untitled)",
            "event_id": event_id,
            "created_at": now,
            "updated_at": now,
            "messages": [],
        }
        self.repo.create(doc)
        return doc

    def get(self, ref: str) -> Doc:
        ref = ref.strip()
        doc = self.repo.get(ref) if ref else None
        if doc is not None and doc.get("owner_id") == self.owner_id:
            return doc
        if len(ref) >= MIN_PREFIX:
            ids = self.repo.ids_with_prefix(self.owner_id, ref.lower(), 2)
            if len(ids) > 1:
                raise refs.ambiguous("Conversation", ref)
            if ids:
                found = self.repo.get(ids[0])
                if found is not None and found.get("owner_id") == self.owner_id:
                    return found
        raise NotFound("Conversation not found", hint="list yours: arangetram ask --history")

    def latest(self) -> Doc | None:
        rows = self.repo.list_by_owner(self.owner_id, limit=1)
        return self.repo.get(rows[0]["id"]) if rows else None

    def list(self, *, offset: int = 0, limit: int = 50) -> list[Doc]:
        return self.repo.list_by_owner(self.owner_id, offset=offset, limit=limit)

    def add(self, conv: Doc, message: Doc) -> Doc:
        msg = {"created_at": now_iso(), **message}
        if not self.repo.add_message(conv["id"], msg, updated_at=msg["created_at"]):
            raise NotFound("Conversation not found")
        conv.setdefault("messages", []).append(msg)
        conv["updated_at"] = msg["created_at"]
        return msg

    def set_event(self, conv: Doc, event_id: str | None) -> None:
        if conv.get("event_id") != event_id:
            self.repo.update(conv["id"], {"event_id": event_id})
            conv["event_id"] = event_id


def provider_messages(messages: list[Doc]) -> list[dict[str, str]]:
    """The chat history to send: user and assistant turns with text, the newest ones that fit
    MAX_HISTORY_MESSAGES and MAX_HISTORY_CHARS (the last user turn always goes)."""
    turns = [
        {"role": m["role"], "content": m["content"]}
        for m in messages
        if m.get("role") in ("user", "assistant") and (m.get("content") or "").strip()
    ]
    out: list[dict[str, str]] = []
    size = 0
    for m in reversed(turns):
        size += len(m["content"])
        if out and (len(out) >= MAX_HISTORY_MESSAGES or size > MAX_HISTORY_CHARS):
            break
        out.append(m)
    out.reverse()
    while out and out[0]["role"] != "user":  # start with a question
        out.pop(0)
    return out
