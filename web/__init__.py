"""The HTTP and SSE surface: Starlette app, settings, fan-out."""
