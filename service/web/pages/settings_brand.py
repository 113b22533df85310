"""Settings (admin): the brand of editions and public pages, and the media library."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from service.errors import NewsdeskError
from service.media import library
from service.models import User
from service.rendering import brand_store
from service.rendering.brand import brand_for
from service.settings import get_settings
from service.web.content_forms import PostedForm, form_state
from service.web.deps import CurrentLogin, DbSession, require
from service.web.forms import FormState
from service.web.templating import PREFIX, render, request_language

router = APIRouter(prefix="/settings")
BrandAdmin = Annotated[User, Depends(require("brand.manage"))]
MediaAdmin = Annotated[User, Depends(require("media.manage"))]


def _brand_page(
    request: Request, db: DbSession, login: CurrentLogin, form: FormState, status: int = 200
) -> Response:
    settings = get_settings()
    row = brand_store.current(db)
    values = {k: str(v) for k, v in row.values.items()} | form.values
    shown = FormState(values=values, errors=form.errors)
    return render(
        request, "settings/brand.html", login=login, form=shown, version=row.version,
        defaults={lang: brand_for(settings, lang) for lang in brand_store.LANGS},
        assets=library.assets(db), saved=request.query_params.get("saved") == "1",
        status=status,
    )  # fmt: skip


@router.get("/brand", response_class=HTMLResponse)
def brand_form(request: Request, db: DbSession, login: CurrentLogin, _a: BrandAdmin) -> Response:
    """The brand fields (empty: the setting's default applies), the logo from the library."""
    return _brand_page(request, db, login, FormState())


@router.post("/brand", response_class=HTMLResponse)
def brand_save(
    request: Request, db: DbSession, login: CurrentLogin, admin: BrandAdmin, posted: PostedForm
) -> Response:
    """Save the overrides; errors come back on the form with what was typed."""
    values = {k: posted.get(k) for k in brand_store.FIELDS}
    version = posted.get("version")
    try:
        brand_store.save(
            db, values=values, version=int(version) if version.isdigit() else None,
            actor_id=admin.id,
        )  # fmt: skip
    except NewsdeskError as exc:
        state = form_state(request_language(request, login), exc, values)
        return _brand_page(request, db, login, state, status=409 if "version" in str(exc) else 422)
    return RedirectResponse(f"{PREFIX}/settings/brand?saved=1", status_code=303)


def _media_page(
    request: Request, db: DbSession, login: CurrentLogin, form: FormState, status: int = 200
) -> Response:
    return render(
        request, "settings/media.html", login=login, form=form, assets=library.assets(db),
        settings=get_settings(), status=status,
    )  # fmt: skip


@router.get("/media", response_class=HTMLResponse)
def media_list(request: Request, db: DbSession, login: CurrentLogin, _a: MediaAdmin) -> Response:
    """The library and the upload form."""
    return _media_page(request, db, login, FormState())


@router.post("/media", response_class=HTMLResponse)
async def media_upload(request: Request, login: CurrentLogin, admin: MediaAdmin) -> Response:
    """Check and store one image (its bytes decide its type), then show the library."""
    from service.db import session_scope

    form = await request.form()
    upload = form.get("file")
    data, name = b"", ""
    if isinstance(upload, UploadFile):
        limit = get_settings().media_max_bytes
        data, name = await upload.read(limit + 1), upload.filename or ""  # no more than needed
    try:
        with session_scope() as db:
            library.upload(db, filename=name, data=data, actor_id=admin.id)
    except NewsdeskError as exc:
        with session_scope() as db:
            state = form_state(request_language(request, login), exc, {})
            return _media_page(request, db, login, state, status=422)
    return RedirectResponse(f"{PREFIX}/settings/media", status_code=303)
