"""The `conversations` collection: saved `ask` chats, one document per conversation.

    {id, owner_id, title, event_id, created_at, updated_at,
     messages: [{role: "user"|"assistant", content, created_at,
                 source?, incomplete?, error?}]}

A new collection (additive: the web app never reads it), part of the Store port
(store.base.ConversationsRepo); each adapter makes its tables or indexes on first use
(store/sqlite/conversations.py, store/mongo/conversations.py), so commands that never chat
never create it. Ownership is the caller's rule (ai/history.py): every listing is by owner.
"""

from __future__ import annotations

from arangetram_cli.store.base import ConversationsRepo, Store

__all__ = ["ConversationsRepo", "conversations"]


def conversations(store: Store) -> ConversationsRepo:
    """The store's `conversations` repository (kept by the store once made)."""
    return store.conversations
