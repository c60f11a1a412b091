"""The state every service of LocalPlanner shares: the store, the secret, the caller's token,
the clock; and how a reference becomes a document (core.refs over a repository)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from arangetram_cli.core import refs
from arangetram_cli.core.identity import email_key
from arangetram_cli.core.lifecycle import (
    utc_today,
)
from arangetram_cli.planner.local.common import (
    admits,
)
from arangetram_cli.store.base import (
    Doc,
    Store,
    Visible,
)


class LocalBase:
    """The shared state of the services (see LocalPlanner)."""

    def __init__(
        self,
        store: Store,
        secret: str | Callable[[], str],
        token: str | None = None,
        *,
        today: Callable[[], Any] | None = None,
    ):
        self.store = store
        self._secret = secret
        self.token = token
        self._user: Doc | None = None
        self._clock = today  # the calendar day (a date); default: today in UTC

    def _resolve(self, repo: Any, ref: str, what: str, visible_to: Visible | None = None) -> Doc:
        """A document by full id or unique id prefix (MIN_PREFIX characters at least).

        With visible_to (store.base.Visible: the fields that make a document the caller's),
        only the caller's documents count: someone else's, by full id or by prefix, is
        "not found" exactly as an id that does not exist, and a prefix is ambiguous only
        among the caller's own. Public documents (vendors, reviews) pass None."""
        ref = ref.strip()
        doc = repo.get(ref) if ref else None
        if doc is not None and admits(visible_to, doc):
            return doc
        if refs.is_prefix_candidate(ref):
            ids = repo.ids_with_prefix(ref.lower(), 2, visible_to=visible_to)
            if len(ids) == 1:
                found = repo.get(ids[0])
                if found is not None and admits(visible_to, found):
                    return found
            elif len(ids) > 1:
                raise refs.ambiguous(what, ref)
        raise refs.not_found(what, ref)

    def _account_by_email(self, given: str) -> Doc | None:
        """The account with exactly this address (as stored: see core.identity), else the
        one account whose address differs only in letter case, width or accents; None when
        there is none, or several such and none spelled exactly so."""
        user = self.store.users.get_by_email(given)
        if user is None:
            near = self.store.users.find_by_email_key(email_key(given), 2)
            user = near[0] if len(near) == 1 else None
        return user

    def _booking_visibility(self, user: Doc) -> Visible:
        """The bookings a caller may see: the ones it sent and the ones to its profile."""
        mine: dict[str, str] = {"user_id": user["id"]}
        vendor = self.store.vendors.get_by_user(user["id"])
        if vendor is not None:
            mine["vendor_id"] = vendor["id"]
        return mine

    def _today(self) -> Any:
        return (self._clock or utc_today)()

    def close(self) -> None:
        self.store.close()
