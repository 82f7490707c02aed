"""Running the app under uvicorn (used by ``voting serve`` and ``voting demo``)."""

from __future__ import annotations

import os

import uvicorn

from voting.settings import Settings

__all__ = ["run_server"]


def run_server(settings: Settings, *, host: str, port: int, workers: int = 1) -> None:
    """Serve until interrupted. Workers rebuild the app from the environment, so the mode
    and database chosen here are exported first."""
    os.environ["VOTING_MODE"] = settings.mode
    os.environ["VOTING_DATABASE_URL"] = settings.database_url
    uvicorn.run(
        "voting.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,  # no proxy is trusted unless an operator sets one up
        log_level="info",
    )
