"""The FastAPI application: admin API, public endpoints, clear errors instead of tracebacks."""

from __future__ import annotations

import gc

from fastapi import Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from service.api import (
    admin,
    announcements,
    archive,
    audience_api,
    automation,
    editions,
    health,
    inquiries,
    media,
    metrics,
    public,
    tracking,
)
from service.api.deps import require_admin
from service.api.docs import mount_docs
from service.api.errors import status_of
from service.errors import NewsdeskError
from service.inbound.intake.webhook import make_inbound_router
from service.settings import get_settings, is_production
from service.web.mount import install_newsroom
from workers.publish import process_inbound


def create_app() -> FastAPI:
    """Build the app with every router and the error mapping."""
    settings = get_settings()
    if is_production(settings) and not settings.admin_token:  # also refused by Settings
        raise RuntimeError("NEWSDESK_ADMIN_TOKEN must be set: the admin API is not left open")
    hidden = is_production(settings) and not settings.demo_mode  # no public /docs (finding 14)
    app = FastAPI(
        title="Newsdesk",
        version="0.1.0",
        description="Newsletter and mailing automation",
        docs_url=None,  # served by mount_docs from vendored assets (works offline)
        redoc_url=None,  # ReDoc would load its script from a CDN
        openapi_url=None if hidden else "/openapi.json",
    )
    if not hidden:
        mount_docs(app)
    app.include_router(tracking.router)  # first: routes match in order, tracking is the hot path
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(admin.router, prefix="/api")
    app.include_router(announcements.router, prefix="/api")
    app.include_router(audience_api.router, prefix="/api", dependencies=[Depends(require_admin)])
    app.include_router(public.router)
    app.include_router(make_inbound_router(after_stored=process_inbound))
    app.include_router(editions.router, prefix="/api")
    app.include_router(archive.router)
    app.include_router(media.router)
    app.include_router(inquiries.router, prefix="/api")
    app.include_router(automation.router, prefix="/api")
    install_newsroom(app)  # /newsroom pages, their static files, GET / -> /newsroom/

    @app.exception_handler(IntegrityError)
    async def _conflict(_request: Request, exc: IntegrityError) -> JSONResponse:
        # e.g. deleting a segment a campaign still uses: refused, nothing changed
        reason = str(exc.orig).splitlines()[0] if exc.orig else "conflict"
        return JSONResponse(status_code=409, content={"detail": f"conflict: {reason}"})

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # one error shape everywhere: "detail" is a sentence; the field list rides along
        errors = jsonable_encoder(exc.errors())
        first = errors[0] if errors else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        detail = f"{where}: {first.get('msg', 'invalid input')}" if where else "invalid input"
        return JSONResponse(status_code=422, content={"detail": detail, "errors": errors})

    @app.exception_handler(NewsdeskError)
    async def _domain_error(_request: Request, exc: NewsdeskError) -> JSONResponse:
        return JSONResponse(status_code=status_of(exc), content={"detail": str(exc)})

    from service.api.request_guard import RequestGuard

    app.add_middleware(RequestGuard)  # credential before body, body caps, body deadline

    return app


app = create_app()
# The ~140k objects built at start-up live as long as the process: keep them out of the cyclic
# collector's full passes (~80 ms each, a latency spike for every request in flight).
gc.freeze()
