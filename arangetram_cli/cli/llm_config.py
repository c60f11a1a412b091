"""`arangetram config set-key | delete-key | llm`: AI provider keys and the provider in use.

Named by the config group at the end of cli/config_cmd.py (lazy_commands: this module and
the AI client load only when one of these runs).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from arangetram_cli.ai.client import KEY_PROVIDERS, llm_env, resolve_provider
from arangetram_cli.ai.keys import LlmKeys
from arangetram_cli.cli.context import state
from arangetram_cli.config import mask_url
from arangetram_cli.core.errors import Invalid, NotFound

ProviderArg = Annotated[str, typer.Argument(help="gemini, openai, emergent or custom.")]


def _provider(name: str) -> str:

    n = name.strip().lower()
    if n not in KEY_PROVIDERS:
        raise Invalid(f"unknown provider '{name}' (choose from {', '.join(KEY_PROVIDERS)})")
    return n


def set_key(
    ctx: typer.Context,
    provider: ProviderArg,
    stdin: Annotated[
        bool, typer.Option("--stdin", help="Read the key from standard input.")
    ] = False,
) -> None:
    """Store an AI provider's API key (OS keyring, service "arangetram-llm")."""

    st = state(ctx)
    name = _provider(provider)
    if stdin:
        key = sys.stdin.readline().strip()
    elif st.io.can_prompt:
        key = st.io.password(f"API key for {name}:").strip()
    else:
        raise Invalid("missing key: use --stdin when not at a terminal")
    if not key:
        raise Invalid("the key is empty")
    if any(c.isspace() for c in key):
        raise Invalid("the key has spaces in it; paste only the key")
    where = LlmKeys(st.settings).set(name, key)
    st.out.success(f"{name} key kept in {where}")


def delete_key(ctx: typer.Context, provider: ProviderArg) -> None:
    """Forget a stored AI provider key."""

    st = state(ctx)
    name = _provider(provider)
    if not LlmKeys(st.settings).delete(name):
        raise NotFound(f"no stored key for {name}")
    st.out.success(f"{name} key removed")


def llm(ctx: typer.Context) -> None:
    """Which AI provider `ask` would use, and where its key comes from (never the key)."""

    st = state(ctx)
    cfg = resolve_provider(llm_env(settings=st.settings), stored_key=LlmKeys(st.settings).get)
    if cfg is None:
        doc = {"provider": "offline", "model": "", "base_url": "", "key": "", "timeout": ""}
    else:
        doc = {
            "provider": cfg.name,
            "model": cfg.model,
            "base_url": mask_url(cfg.base_url),  # OLLAMA_HOST may carry a password
            "key": cfg.key_source or "(none needed)",
            "timeout": f"{cfg.timeout:g}s",
        }
    st.out.item(
        doc,
        [
            ("provider", "Provider"),
            ("model", "Model"),
            ("base_url", "Endpoint"),
            ("key", "Key from"),
            ("timeout", "Timeout"),
        ],
        title="AI provider",
        id_key="provider",
    )
