"""Accounts: register, log in (any letter case of a stored address), guests, the caller."""

from __future__ import annotations

from typing import TYPE_CHECKING

from arangetram_cli.core import security
from arangetram_cli.core.errors import (
    EMAIL_TAKEN,
    EMAIL_TAKEN_OTHER_SPELLING,
    AuthRequired,
    Conflict,
)
from arangetram_cli.core.identity import email_key
from arangetram_cli.core.values import new_id, now_iso
from arangetram_cli.planner.local.base import LocalBase
from arangetram_cli.planner.local.common import (
    LOGIN_HINT,
    PUBLIC_USER_FIELDS,
    public_user,
    validated,
)
from arangetram_cli.store.base import (
    Doc,
)

if TYPE_CHECKING:
    from arangetram_cli.core.models import GuestIn, LoginIn, RegisterIn


class AccountsService(LocalBase):
    @property
    def secret(self) -> str:
        if callable(self._secret):
            self._secret = self._secret()
        return self._secret

    def _session(self, user: Doc) -> Doc:
        token = security.create_token(user["id"], user["user_type"], self.secret)
        self.token, self._user = token, user
        return {"token": token, "user": {k: user[k] for k in PUBLIC_USER_FIELDS if k in user}}

    def current_user(self) -> Doc:
        if self._user is not None:
            return self._user
        if not self.token:
            raise AuthRequired("Not authenticated")  # hints: core.errors.HINTS
        payload = self._token_payload(self.token)
        user = self.store.users.get(payload["user_id"])
        if user is None:  # the account was deleted: its tokens die with it
            raise AuthRequired("User not found")
        self._user = user
        return user

    def _token_payload(self, token: str) -> Doc:
        """The checked claims of a token (the server checks through its cache instead)."""
        return security.decode_token(token, self.secret)

    def register(self, email: str, name: str, password: str, user_type: str = "user") -> Doc:
        from arangetram_cli.core.models import RegisterIn

        body = validated(
            RegisterIn, {"email": email, "name": name, "password": password, "user_type": user_type}
        )
        return self.register_checked(body)

    def register_checked(self, body: RegisterIn) -> Doc:
        """register with a RegisterIn already validated (by the server's route)."""
        if self.store.users.get_by_email(body.email):
            raise Conflict(EMAIL_TAKEN)  # its hint: core.errors.HINTS
        near = self.store.users.find_by_email_key(email_key(body.email), 2)
        if near:  # re-check the spelling: a racing register may have added this very one
            if any(u["email"] == body.email for u in near):
                raise Conflict(EMAIL_TAKEN)
            raise Conflict(EMAIL_TAKEN_OTHER_SPELLING, hint=LOGIN_HINT)
        user = {
            "id": new_id(),
            "email": body.email,
            "name": body.name,
            "password": security.hash_password(body.password),
            "user_type": body.user_type,
            "created_at": now_iso(),
        }
        self.store.users.insert(user)  # the unique index settles races
        return self._session(user)

    def login(self, email: str, password: str) -> Doc:
        """The account with exactly this address (as stored: see core.identity), else the
        one account whose address differs only in letter case, width or accents (rows of
        earlier versions, which lowercased the whole address; web users typing another
        case). Several such accounts: only the exact spelling logs in."""
        from arangetram_cli.core.models import LoginIn

        given = validated(LoginIn, {"email": email, "password": password}).email
        return self._login(given, password)

    def login_checked(self, body: LoginIn) -> Doc:
        """login with a LoginIn already validated (by the server's route)."""
        return self._login(body.email, body.password)

    def _login(self, given: str, password: str) -> Doc:
        user = self._account_by_email(given)
        if user is None or not security.verify_password(password, user.get("password") or ""):
            raise AuthRequired("Invalid credentials")
        return self._session(user)

    def guest(self, name: str = "Guest") -> Doc:
        from arangetram_cli.core.models import GuestIn

        return self.guest_checked(validated(GuestIn, {"name": name}))

    def guest_checked(self, body: GuestIn) -> Doc:
        """guest with a GuestIn already validated (by the server's route)."""
        uid = new_id()
        user = {
            "id": uid,
            "email": f"guest_{uid[:8]}@arangetram.local",
            "name": body.name,
            "password": "",
            "user_type": "guest",
            "created_at": now_iso(),
        }
        self.store.users.insert(user)
        session = self._session(user)
        session["user"] = {k: user[k] for k in ("id", "name", "user_type")}
        return session

    def me(self) -> Doc:
        return public_user(self.current_user())
