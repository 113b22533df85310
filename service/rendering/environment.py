"""The two Jinja2 environments: trusted system templates, and sandboxed comms-team templates."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from types import TracebackType
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    Undefined,
    meta,
    nodes,
)
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from service.errors import TemplateProblem
from service.rendering import sandbox_limits as limits
from service.resources import templates_dir

TEMPLATES_DIR = templates_dir()
# Names the sandbox must refuse even when reached through an allowed object, checked statically so
# a payload hidden in a branch the sample data never takes is still reported at save time.
FORBIDDEN_ATTRIBUTES = frozenset(
    {"mro", "func_globals", "func_code", "gi_frame", "gi_code", "cr_frame", "f_globals", "f_locals"}
)
MAX_REPEAT = 100_000  # longest string/list a template may build with `*`
MAX_EXPONENT = 64


def template_environment(
    *,
    folder: str = "",
    autoescape: bool | Callable[[str | None], bool] = True,
    undefined: type[Undefined] = StrictUndefined,
    trim: bool = True,
    keep_trailing_newline: bool = False,
    extensions: Sequence[str] = (),
) -> Environment:
    """The one factory of environments over our own (trusted) templates under templates/."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR / folder if folder else TEMPLATES_DIR),
        autoescape=autoescape,
        undefined=undefined,
        trim_blocks=trim,
        lstrip_blocks=trim,
        keep_trailing_newline=keep_trailing_newline,
        extensions=list(extensions),
    )


@lru_cache(maxsize=1)
def system_environment() -> Environment:
    """Trusted templates under templates/: autoescaped, strict about missing variables."""
    return template_environment()


class NewsdeskSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox plus limits so a template cannot exhaust memory or time:
    `*` and `**`, widths in filters and str methods, range() and no lipsum (sandbox_limits)."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        for name in ("format", "center", "indent", "wordwrap", "truncate", "filesizeformat"):
            self.filters[name] = limits.capped_filter(name, self.filters[name])
        self.globals["range"] = limits.capped_range
        self.globals.pop("lipsum", None)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Every call a template makes: str methods with widths are capped first."""
        limits.check_call(__obj, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        """Refuse huge repetitions and exponents; everything else behaves as usual."""
        if operator_name == "**":
            if isinstance(right, int) and abs(right) > MAX_EXPONENT:
                raise SecurityError(f"exponent {right} is larger than {MAX_EXPONENT}")
            return operator.pow(left, right)
        size = _repeat_size(left, right)
        if size is not None and size > MAX_REPEAT:
            raise SecurityError(f"repetition would build {size} items (limit {MAX_REPEAT})")
        return operator.mul(left, right)


def _repeat_size(left: Any, right: Any) -> int | None:
    """Length of `sequence * count`, or None when this is not a sequence repetition."""
    for seq, count in ((left, right), (right, left)):
        if isinstance(seq, str | list | tuple) and isinstance(count, int):
            return len(seq) * count
    return None


@lru_cache(maxsize=1)
def sandboxed_environment() -> NewsdeskSandbox:
    """Environment for comms-team templates: sandboxed, immutable, autoescaped, StrictUndefined."""
    return NewsdeskSandbox(autoescape=True, undefined=StrictUndefined)


def _capped_render(template: Any, context: Mapping[str, Any]) -> str:
    """Stream the output and stop once it exceeds MAX_OUTPUT_CHARS."""
    parts, size = [], 0
    for chunk in template.generate(**context):
        size += len(chunk)
        if size > limits.MAX_OUTPUT_CHARS:
            raise SecurityError(f"output is larger than {limits.MAX_OUTPUT_CHARS} characters")
        parts.append(chunk)
    return "".join(parts)


def _template_line(tb: TracebackType | None) -> int | None:
    """The template line of the innermost template frame in a traceback (Jinja rewrites them)."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _first_line_of_name(ast: nodes.Template, name: str) -> int:
    """Line where a variable is first read."""
    lines = [n.lineno for n in ast.find_all(nodes.Name) if n.name == name and n.ctx == "load"]
    return min(lines) if lines else 1


def _check_names(ast: nodes.Template, allowed_variables: set[str], env: Environment) -> None:
    """Every variable read must be one the caller offers (or a sandbox global such as range)."""
    unknown = meta.find_undeclared_variables(ast) - allowed_variables - set(env.globals)
    if unknown:
        name = min(unknown, key=lambda n: (_first_line_of_name(ast, n), n))
        offered = ", ".join(sorted(allowed_variables)) or "none"
        raise TemplateProblem(
            f"line {_first_line_of_name(ast, name)}: unknown variable {name!r} "
            f"(available: {offered})"
        )


def _check_attributes(ast: nodes.Template) -> None:
    """Static guard: no private/dunder attribute or item access anywhere, rendered or not."""
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        attr: object = None
        if isinstance(node, nodes.Getattr):
            attr = node.attr
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            attr = node.arg.value
        if isinstance(attr, str) and (attr.startswith("_") or attr in FORBIDDEN_ATTRIBUTES):
            raise TemplateProblem(
                f"line {node.lineno}: access to attribute {attr!r} is not allowed"
            )


def _sample_context(allowed_variables: set[str]) -> dict[str, Any]:
    """Plain sample values for a trial render when the caller gives none."""
    return {name: f"sample {name}" for name in allowed_variables}


def validate_template(
    source: str,
    *,
    allowed_variables: set[str],
    sample_context: Mapping[str, Any] | None = None,
) -> None:
    """Raise TemplateProblem with the line for syntax errors, unknown names, sandbox violations."""
    env = sandboxed_environment()
    try:
        ast = env.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"line {exc.lineno}: syntax error: {exc.message}") from None
    _check_names(ast, allowed_variables, env)
    _check_attributes(ast)
    context = (
        dict(sample_context) if sample_context is not None else _sample_context(allowed_variables)
    )
    trial_render(source, context)  # the send-time errors, and refusal of what hangs or bloats


def trial_render(source: str, context: Mapping[str, Any]) -> None:
    """Save-time render in a forked child with a deadline and a memory limit; TemplateProblem."""
    sandboxed_environment().from_string(source)  # syntax errors come from here, with the line

    def work() -> str | None:
        try:
            render_user_template(source, context)
        except TemplateProblem as exc:
            return str(exc)
        return None

    problem = limits.run_with_deadline(work, deadline_s=limits.TRIAL_DEADLINE_S)
    if problem is not None:
        raise TemplateProblem(problem if problem.startswith("line ") else f"refused: {problem}")


def guarded_render(source: str, context: Mapping[str, Any]) -> str:
    """Send-time render in a forked child with the save-time deadline and memory limit.

    Once per edition, so a fork each time is affordable; a template that hangs or bloats (saved
    before the checks, or slow only with the send-time values) raises TemplateProblem instead
    of stalling the worker until the task's time limit.
    """
    context = dict(context)

    def work() -> str:
        return render_user_template(source, context)

    output, problem = limits.render_with_deadline(work, deadline_s=limits.TRIAL_DEADLINE_S)
    if problem is None:
        return output
    if problem.startswith("TemplateProblem: "):
        problem = problem.removeprefix("TemplateProblem: ")
    raise TemplateProblem(f"the template cannot be rendered at send time: {problem}")


def render_user_template(source: str, context: Mapping[str, Any]) -> str:
    """Render a comms-team template in the sandbox; failures become TemplateProblem with a line."""
    env = sandboxed_environment()
    try:
        return _capped_render(env.from_string(source), context)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"line {exc.lineno}: syntax error: {exc.message}") from None
    except SecurityError as exc:
        line = _template_line(exc.__traceback__) or 1
        raise TemplateProblem(f"line {line}: not allowed in templates: {exc}") from None
    except (TemplateError, ArithmeticError, TypeError, ValueError, LookupError) as exc:
        line = _template_line(exc.__traceback__) or 1
        raise TemplateProblem(f"line {line}: {type(exc).__name__}: {exc}") from None
