"""Accounts over the API: register, log in, guests, the caller."""

from __future__ import annotations

from typing import Any

from arangetram_cli.core.errors import (
    HINTS,
    LOGIN_AGAIN,
    AuthRequired,
    NotFound,
)
from arangetram_cli.planner.remote.common import (
    LOGIN_CASE_HINT,
    checked,
)
from arangetram_cli.planner.remote.transport import Transport
from arangetram_cli.store.base import Doc


class AccountsApi(Transport):
    """Accounts over the API: register, log in, guests, the caller."""

    def _session(self, data: Any, path: str) -> Doc:
        doc = self._dict(data, path, "token", "user")
        if not isinstance(doc["token"], str) or not isinstance(doc["user"], dict):
            raise self._malformed(path)
        self.token = doc["token"]
        return doc

    def register(self, email: str, name: str, password: str, user_type: str = "user") -> Doc:
        path = "/api/auth/register"
        body = {"email": email, "name": name, "password": password, "user_type": user_type}
        valid = checked("RegisterIn", body)  # password rules etc., before any request
        # The address goes as typed: the server normalizes it its own way (the web back end
        # lowercases only the domain).
        body = {**valid, "email": email.strip()}
        return self._session(self._call("POST", path, body=body), path)

    def login(self, email: str, password: str) -> Doc:
        path = "/api/auth/login"
        body = {"email": email.strip(), "password": password}
        try:
            return self._session(self._call("POST", path, body=body), path)
        except AuthRequired as e:
            if self.api.ours or e.message != "Invalid credentials" or e.hint != HINTS[e.message]:
                raise
            raise AuthRequired(e.message, hint=LOGIN_CASE_HINT) from None

    def guest(self, name: str = "Guest") -> Doc:
        path = "/api/auth/guest"
        body = checked("GuestIn", {"name": name})
        return self._session(self._call("POST", path, body=body), path)

    def me(self) -> Doc:
        if not self.token:
            raise AuthRequired("Not authenticated")  # its hint: core.errors.HINTS
        try:
            return self._get_doc("/api/auth/me", "id")
        except NotFound as e:  # the contract answers a deleted account with 404
            raise AuthRequired(e.message, hint=LOGIN_AGAIN) from None
