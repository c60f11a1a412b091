"""Domain errors and request-validation failures as the contract's HTTP answers.

`{"detail": "<message>"}` with the contract's status codes; request validation is a 422 whose
`detail` lists `{loc, msg, type}` (never the rejected input: it may be a password). An
additive `hint` says what to do next; clients that do not know it ignore it.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from arangetram_cli.core.errors import ArangetramError, sends_code

log = logging.getLogger("arangetram.server")


def error_parts(err: ArangetramError) -> tuple[int, dict[str, Any], dict[str, str] | None]:
    """(status, body, headers) of err's answer: for a JSONResponse, or for the guard's own
    raw ASGI answer (guard.respond, which also closes the connection)."""
    status = err.status()  # core.errors' table; an edge's own error sets its http_status
    body: dict[str, Any] = {"detail": err.message}
    if err.hint:
        body["hint"] = err.hint
    if sends_code(err):  # additive: tells this 409 from the other conflicts
        body["code"] = err.code
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return status, body, headers


def error_response(err: ArangetramError) -> JSONResponse:
    status, body, headers = error_parts(err)
    return JSONResponse(body, status_code=status, headers=headers)


def validation_detail(errors: Any) -> list[dict[str, Any]]:
    out = []
    for e in errors:
        msg = str(e.get("msg", "invalid value")).removeprefix("Value error, ")
        out.append({"loc": list(e.get("loc", ())), "msg": msg, "type": str(e.get("type", ""))})
    return out


def install(app: FastAPI) -> None:
    @app.exception_handler(ArangetramError)
    async def _domain(_: Request, exc: ArangetramError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": validation_detail(exc.errors())}, status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": "Internal server error"}, status_code=500)
