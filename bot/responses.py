"""Answers the page can always show: errors in the API's own shape, and polite 429s."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from bot.ratelimit import RateLimiter

MAX_ID = 2**62  # the largest id or cursor the API takes: beyond any row, within a 64-bit column
SLOW_DOWN_TEXT = "You're sending messages faster than I can read them. Please wait a few seconds and try again."


def polite(status_code: int, text: str) -> JSONResponse:
    """Build an error the page can show: ``detail`` for programs, ``messages`` rendered like a bot reply."""
    return JSONResponse({"detail": text, "messages": [{"text": text}], "error": True}, status_code=status_code)


def slow_down(limiter: RateLimiter, key: str, text: str = SLOW_DOWN_TEXT) -> JSONResponse | None:
    """A polite 429 with Retry-After when ``key`` is over ``limiter``'s limit, else None (and a token is taken)."""
    if limiter.allow(key):
        return None
    response = polite(429, text)
    response.headers["retry-after"] = str(limiter.retry_after(key))
    return response
