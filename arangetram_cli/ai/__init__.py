"""The AI planning assistant: providers (client), the system prompt and catalog selection
(prompt), the offline planner (offline), conversations (history), and streaming rendering
(render). Heavy imports (httpx, rich.markdown) happen inside the functions that need them."""
