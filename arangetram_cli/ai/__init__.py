"""The AI planning assistant: provider client (SSE), prompt and catalog selection, offline
planner, conversations, rendering. May import core, config, sanitize; httpx and rich late."""
