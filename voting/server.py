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
    tls: dict[str, str] = {}
    if settings.tls_certfile is not None and settings.tls_keyfile is not None:
        tls = {"ssl_certfile": str(settings.tls_certfile), "ssl_keyfile": str(settings.tls_keyfile)}
    uvicorn.run(
        "voting.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # No proxy is trusted unless the operator names it (VOTING_TRUSTED_PROXIES): otherwise
        # any client could pick its own address and scheme with X-Forwarded-* headers.
        proxy_headers=settings.trusted_proxies is not None,
        forwarded_allow_ips=settings.trusted_proxies or "",
        log_level="info",
        **tls,  # type: ignore[arg-type]
    )
