"""Public pages: the start page, the room view's page and files (which hold no data), and a health check."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, Response

from frontline.live.dependencies import Session

STATIC = Path(__file__).resolve().parents[1] / "static"
STATIC_FILES = {"room.js", "room.css"}

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def index() -> str:
    return (STATIC / "index.html").read_text(encoding="utf-8")


@router.get("/room", response_class=HTMLResponse)
def room() -> str:
    return (STATIC / "room.html").read_text(encoding="utf-8")


@router.get("/static/{name}")
def static(name: str) -> FileResponse:
    if name not in STATIC_FILES:
        raise HTTPException(404, "not found")
    return FileResponse(STATIC / name)


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    return Response(status_code=204)


@router.get("/api/health")
async def health(session: Session) -> dict[str, bool]:
    """The server answers; ``judging`` is false while the scenario engine loads for a new scenario question (its
    answers wait for it, a few seconds once)."""
    return {"ok": True, "judging": session.grader.ready.is_set()}
