"""Live workshop sessions.

Trainees: ``frontline.live.join(url, code)`` then answer scenarios and polls (``frontline.live.poll(...)``) as
usual; ``frontline.live.flush()`` resends answers kept while the server was unreachable.
Facilitators: ``frontline live serve`` (see ``docs/facilitator.md``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from frontline.live.client import LiveClient, LiveSessionError, SendResult, current, flush, join, leave

if TYPE_CHECKING:
    from frontline.live.widgets import Poll


def poll(question_id: str, prompt: str, kind: str = "choice", options: list[str] | None = None,
         minimum: float | None = None, maximum: float | None = None) -> Poll:
    """A poll widget (kind: choice, text, number or confidence) whose answers reach the live session."""
    from frontline.live.widgets import poll as make_poll

    return make_poll(question_id, prompt, kind, options, minimum, maximum)


def __getattr__(name: str) -> Any:
    if name == "Poll":
        from frontline.live.widgets import Poll

        return Poll
    raise AttributeError(f"module 'frontline.live' has no attribute {name!r}")


__all__ = ["LiveClient", "LiveSessionError", "Poll", "SendResult", "current", "flush", "join", "leave", "poll"]
