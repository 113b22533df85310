"""Wire the newsroom into the FastAPI app: pages under /newsroom, static files, refusals."""

from __future__ import annotations

import importlib
import pkgutil
from importlib import resources
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from service.web import pages
from service.web.deps import csrf_protect
from service.web.errors import CsrfFailed, Forbidden, LoginRequired
from service.web.templating import PREFIX, render


def page_routers() -> list[APIRouter]:
    """The `router` of every module in service.web.pages, in module-name order."""
    routers = []
    for info in sorted(pkgutil.iter_modules(pages.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{pages.__name__}.{info.name}")
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            routers.append(router)
    return routers


def newsroom_router() -> APIRouter:
    """All newsroom pages behind the router-wide CSRF check."""
    router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
    for page_router in page_routers():
        router.include_router(page_router)
    return router


def install_newsroom(app: FastAPI) -> None:
    """Mount pages, static files and the refusal pages on the app."""
    static = resources.files("service.web").joinpath("static")
    app.mount(f"{PREFIX}/static", StaticFiles(directory=str(static)), name="newsroom-static")
    app.include_router(newsroom_router(), prefix=PREFIX)

    @app.get("/", include_in_schema=False)
    def _root() -> RedirectResponse:
        return RedirectResponse(f"{PREFIX}/", status_code=303)

    app.add_exception_handler(LoginRequired, _login_required)  # type: ignore[arg-type]
    app.add_exception_handler(Forbidden, _forbidden)  # type: ignore[arg-type]
    app.add_exception_handler(CsrfFailed, _csrf_failed)  # type: ignore[arg-type]


def _login_required(request: Request, _exc: LoginRequired) -> Response:
    target = f"{PREFIX}/login?next={quote(request.url.path)}"
    if request.headers.get("HX-Request"):
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _refusal(request: Request, kind: str) -> HTMLResponse:
    """The 403 page, rendered in a fresh session: the request's own session was rolled back
    by the refusal, which expired its User (reading it then raised DetachedInstanceError)."""
    from service.accounts.sessions import load_session
    from service.db import session_scope
    from service.web.deps import SESSION_COOKIE

    with session_scope() as session:
        login = load_session(session, raw=request.cookies.get(SESSION_COOKIE))
        return render(request, "error.html", login=login, status=403, kind=kind)


def _forbidden(request: Request, exc: Forbidden) -> HTMLResponse:
    return _refusal(request, "forbidden")


def _csrf_failed(request: Request, _exc: CsrfFailed) -> HTMLResponse:
    return _refusal(request, "csrf")
