"""The package layers of service/ and workers/: every import points down, never back up.

A unit may import the units of lower layers and itself, never a unit of its own layer (peers
are independent) nor of a higher one; so there can be no loop between units. Only workers/
touches Celery; nothing in service/ imports workers/ except the entry points importing
workers.publish. Imports inside functions count: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Lowest first. Units in one tuple are peers: they must not import each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("service.errors",),  # the floor: every layer may raise these
    ("service.resources",),  # where shipped files (templates, migrations) are found
    ("service.production",),  # what production mode refuses (called by settings)
    ("service.settings_defaults",),  # default labels and form fields, plain data
    ("service.settings",),
    # Prometheus counters; JSON log lines; the uvicorn protocol with a request-head deadline
    ("service.metrics", "service.logs", "service.http_server"),
    ("service.db",),
    ("service.migrate",),  # Alembic; reads the revision over service.db
    ("service.models",),  # tables and the enums typing their columns
    ("service.domain",),  # state machines, segment rules, address normalisation
    ("service.accounts", "service.audit"),  # newsroom users, roles, sessions; the audit log
    ("service.versioning",),  # optimistic concurrency (names who changed a row)
    ("service.events",),  # automation triggers, written in the transaction of what happened
    ("service.media",),  # the media library: images checked by content, storage backends
    ("service.addressing",),  # tokens, sub-addresses, public URLs, edition-qualified links
    ("service.rendering",),
    ("service.mail", "service.webhooks"),  # outgoing mail; outgoing signed webhooks
    ("service.deliverability",),  # DNS preflight (A1-A4), SPF evaluation, the STANDARDS rows
    ("service.audience",),
    ("service.campaigns",),  # scheduling rules (complaint gate), assembly, sending
    ("service.content",),  # announcements, which read campaign editions
    ("service.tracking",),
    ("service.inbound.intake", "service.inbound.reading"),
    ("service.inbox",),  # inquiries: routing, hand-offs, clock, answers (acting's processing calls)
    ("service.inbound.acting",),
    ("service.inbound",),
    ("service.reports",),  # read campaigns, tracking and inbound
    ("service.automation",),  # digests, welcome series, feeds, sunset: build campaigns/content
    ("service.demo",),
    ("workers.fs_broker", "workers.beat_lock", "workers.observe"),  # transport, one beat, metrics
    ("workers.celery_app",),
    ("workers.tasks",),
    ("workers.publish",),
    ("service.api", "service.web", "service.cli"),  # entry points, independent of each other
    ("service.api.app",),  # the ASGI app: composes the JSON API and the newsroom pages
)
ENTRY_POINTS = ("service.api", "service.web", "service.cli", "service.api.app")
CELERY = ("celery", "kombu")
ROOT_PACKAGES = ("service", "workers")  # their __init__ stays empty
CELERY_ALLOWED = ("workers",)  # only workers/ builds, runs or publishes Celery messages


def unit_of(module: str) -> str | None:
    """The layer-table unit a module belongs to (longest prefix), or None outside the table."""
    best = None
    for unit in (u for layer in LAYERS for u in layer):
        if (module == unit or module.startswith(unit + ".")) and len(unit) > len(best or ""):
            best = unit
    return best


def layer_index(unit: str) -> int:
    """Position of a unit in LAYERS."""
    return next(i for i, layer in enumerate(LAYERS) if unit in layer)


def _within(module: str, prefixes: Iterable[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def module_name(path: Path, root: Path) -> str:
    """Dotted module name of a file under root."""
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_in(source: str, module: str, is_package: bool, known: set[str]) -> set[str]:
    """Modules one source file imports (relative imports resolved; `from a import b` -> a.b)."""
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in known else base)
    return found


def import_graph(
    root: Path, packages: Iterable[str] = ("service", "workers")
) -> dict[str, set[str]]:
    """module -> modules it imports, for every .py file of the packages under root."""
    files = {
        module_name(path, root): path
        for package in packages
        for path in sorted((root / package).rglob("*.py"))
    }
    known = set(files)
    return {
        module: imports_in(path.read_text(), module, path.name == "__init__.py", known)
        for module, path in files.items()
    }


def violations(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """Every import that breaks a layer rule, as 'importer -> imported: why'."""
    found = []
    for importer, imported in sorted(graph.items()):
        src = unit_of(importer)
        if importer in ROOT_PACKAGES:
            found += [f"{importer} -> {t}: a root package imports nothing" for t in imported]
            continue
        if src is None:
            found.append(f"{importer}: not in the layer table (place it in LAYERS)")
            continue
        for target in sorted(set(imported)):
            problem = _problem(src, target)
            if problem:
                found.append(f"{importer} -> {target}: {problem}")
    return found


def _problem(src: str, target: str) -> str | None:
    """Why importing target from unit src is not allowed, or None."""
    if _within(target, CELERY):
        return None if _within(src, CELERY_ALLOWED) else "only workers/ may touch Celery"
    if not _within(target, ("service", "workers")) or target in {"service", "workers"}:
        return None
    dst = unit_of(target)
    if dst is None:
        return "imports a module outside the layer table"
    if dst == src or src.startswith(dst + "."):  # itself, or a subpackage its parent package
        return None
    if dst.startswith("workers.") and src.startswith("service."):
        allowed = src in ENTRY_POINTS and dst == "workers.publish"
        return None if allowed else "service/ may import workers only as entry point -> publish"
    if src == "workers.tasks" and dst in ENTRY_POINTS:
        return "tasks are entry points too: they call service/, never api/web/cli"
    here, there = layer_index(src), layer_index(dst)
    if there == here:
        return f"peers {src} and {dst} must not import each other"
    if there > here:
        return f"back-up import: {src} (layer {here}) -> {dst} (layer {there})"
    return None


def test_every_unit_is_in_exactly_one_layer() -> None:
    units = [u for layer in LAYERS for u in layer]
    assert len(units) == len(set(units))


def test_service_and_workers_respect_the_layers() -> None:
    graph = import_graph(ROOT)
    assert "service.models.campaign" in graph and "workers.publish" in graph
    assert violations(graph) == []


def test_a_back_up_import_fails() -> None:
    graph = {
        "service.models.campaign": {"service.domain.campaign_states"},  # models -> domain
        "service.mail.compose": {"service.campaigns.sender"},  # mail -> campaigns
        "service.reports.campaign": {"service.inbound.acting.inquiries"},  # allowed
    }
    found = violations(graph)
    assert len(found) == 2
    assert found[0].startswith("service.mail.compose -> service.campaigns.sender: back-up import")
    assert found[1].startswith("service.models.campaign -> service.domain.campaign_states: back")


def test_peers_loops_and_entry_points_fail() -> None:
    found = violations(
        {
            "service.cli.report": {"service.api.tracking"},  # entry points are peers
            "service.inbound.reading.classify": {"service.inbound.intake.store"},  # peers
            "service.inbound.intake.store": {"service.inbound.acting.effects"},  # back up
            "service.tracking.ingest": {"service.reports.campaign"},  # back up
            "workers.tasks.campaigns": {"service.cli.campaign"},
        }
    )
    assert [line.split(":")[0] for line in found] == [
        "service.cli.report -> service.api.tracking",
        "service.inbound.intake.store -> service.inbound.acting.effects",
        "service.inbound.reading.classify -> service.inbound.intake.store",
        "service.tracking.ingest -> service.reports.campaign",
        "workers.tasks.campaigns -> service.cli.campaign",
    ]


def test_only_workers_publish_and_touch_celery() -> None:
    found = violations(
        {
            "service.campaigns.queries": {"workers.celery_app"},  # replaying from service/
            "service.api.admin": {"workers.tasks.campaigns", "workers.publish"},
            "service.cli.campaign": {"workers.publish"},  # the allowed way
            "service.tracking.ingest": {"celery.result"},
            "workers.publish": {"workers.tasks.campaigns", "celery"},
            "service.newroom.page": {"service.models"},  # a package nobody placed
        }
    )
    assert [line.split(":")[0] for line in found] == [
        "service.api.admin -> workers.tasks.campaigns",
        "service.campaigns.queries -> workers.celery_app",
        "service.newroom.page",
        "service.tracking.ingest -> celery.result",
    ]


def test_violating_module_on_disk_is_found(tmp_path: Path) -> None:
    """The file walker, not only the graph check: a synthetic tree with a back-up import."""
    for name, source in {
        "service/__init__.py": "",
        "service/models/__init__.py": "",
        "service/models/thing.py": "from service.domain import states\n",
        "service/domain/__init__.py": "",
        "service/domain/states.py": "def later():\n    from ..campaigns import sender\n",
        "service/campaigns/__init__.py": "",
        "service/campaigns/sender.py": "from service.models.thing import *\n",
    }.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(source)
    graph = import_graph(tmp_path, packages=("service",))
    assert graph["service.domain.states"] == {"service.campaigns.sender"}
    assert [line.split(":")[0] for line in violations(graph)] == [
        "service.domain.states -> service.campaigns.sender",
        "service.models.thing -> service.domain.states",
    ]
