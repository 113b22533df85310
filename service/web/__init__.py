"""The newsroom: server-rendered pages (Jinja2 + htmx) for the comms team, under /newsroom.

Conventions (keep them; the other page areas build on them):

Adding a page router
    Create a module in `service/web/pages/` with `router = APIRouter()`; every such module is
    mounted under /newsroom by `service.web.mount.newsroom_router()` (module-name order, so
    no central list to edit). Paths are relative: `@router.get("/campaigns")` serves
    /newsroom/campaigns. Routes stay thin: parse the form, call `service.*`, render.
    Add a menu entry with `service.web.templating.register_nav("/campaigns", "Campaigns",
    "campaign.read")` at module import (label = English msgid; shown to roles allowed it).

The database session and the current user (service/web/deps.py)
    `db: DbSession` is the request's transaction (committed when the route returns, rolled
    back when it raises). `login: CurrentLogin` (user + session row + csrf_token) or
    `user: CurrentUser` redirect to the login page when nobody is logged in (htmx requests
    get 401 + HX-Redirect). `OptionalLogin` is None instead.

Requiring a permission
    `user: Annotated[User, Depends(require("campaign.schedule"))]` (or
    `dependencies=[Depends(require(...))]` on a router) answers 403 with the refusal page
    when the role lacks the action. Actions and roles are ONE table:
    `service.accounts.permissions.ROLE_ACTIONS` (unknown action names raise at import).
    Services may call `permissions.ensure(role, action)`; the four-eyes rule is
    `permissions.four_eyes_blocks(approver_id=..., author_id=...)` (setting four_eyes).
    Record what people do with `service.audit.record(db, actor_id=user.id,
    action="campaign.schedule", object_type="campaign", object_id=c.id, **detail)`.

CSRF
    Every POST/PUT/PATCH/DELETE under /newsroom is checked by `deps.csrf_protect` (mounted on
    the whole router): the token must come as form field `csrf_token` or header
    `X-CSRF-Token`. Templates get `csrf_token`; forms carry
    `<input type="hidden" name="csrf_token" value="{{ csrf_token }}">` and base.html sets
    `hx-headers='{"X-CSRF-Token": ...}'` on <body>, so every htmx request sends it. Missing or
    wrong: 403 page, the transaction is rolled back, nothing changes. Before login the token
    is bound to the `newsroom_pre` cookie; after login to the session (HMAC of its secret).

Rendering and translating
    `render(request, "campaigns/list.html", login=login, status=200, **context)` renders
    `templates/web/newsroom/<name>` in the user's language (profile, else cookie, else
    Accept-Language). In templates: `_("English text")`, `_("%(n)s sent", n=fmt.number(n))`,
    `ngettext`, `fmt.date/datetime/time/number/percent(...)` (Babel, configured time zone),
    `can("campaign.schedule")` to hide what the server would refuse anyway, `status_label()`,
    `role_label()`, `audit_label()` (AUDIT_LABELS.update({...}) for new actions).
    In Python: `service.web.i18n.gettext(lang, "msgid", **params)`; services mark msgids with
    `service.accounts.errors.N_` and raise `FormProblem({field: (msgid, params)})`;
    `service.web.forms.from_problem(exc, lang=..., values=form_values)` gives a FormState.
    Catalogs: service/web/locale/{de,en}/LC_MESSAGES/*.po, read at start-up from .po by
    Babel (no build step, no .mo). After adding strings run `python -m service.web.catalog`
    (adds new msgids to messages.po) and translate the German ones; a page area may keep its
    own `<area>.po` beside messages.po (all are merged) to avoid merge conflicts.
    tests/unit/test_web_i18n.py fails on any msgid without a German translation.

Base template blocks (templates/web/newsroom/base.html)
    `title` (text before " – Newsroom"), `head` (extra <head> content), `main` (the page,
    inside <main id="main">), `scripts` (end of <body>). Partials to reuse:
    `_forms.html` macros `error_summary(form)`, `field(form, name, label, type=..., hint=...)`,
    `select(form, name, label, options)` (GOV.UK error summary, values kept on error: pass a
    `FormState`); `_audit.html` (context `trail=service.audit.trail(db, object_type=...,
    object_id=...)`) renders an object's history. Static files: /newsroom/static/ (htmx at
    /newsroom/static/vendor/htmx.min.js, loaded by base.html; newsroom.css).

Playwright tests (tests/e2e/conftest.py)
    `browser` (one Chromium per session), `newsroom` (a live `uvicorn` process on a free
    port against PostgreSQL, prepared once per session; `newsroom.url(path)`), `page` (a fresh
    context per test), `make_user(role, language="en", ...)` (an Account with email and
    password, created through service.accounts), `log_in(page, account)`, `axe_check(page)`
    (no serious or critical axe-core violation), `seed` (a session on the live database for
    arranging data through service functions; commit it yourself), `sent_campaign` (the demo
    campaign really sent through the send path, opened, clicked, left and replied to over HTTP
    and SMTP intake; once per session; tests/e2e/campaign_data.py), `idp` (the loopback OpenID
    provider the server's single sign-on points at).
"""
