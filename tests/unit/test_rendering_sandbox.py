"""Template environments: validation names the line; SSTI payloads never reach internals."""

from __future__ import annotations

import pytest
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from service.errors import TemplateProblem
from service.rendering.environment import (
    render_user_template,
    sandboxed_environment,
    system_environment,
    validate_template,
)

ALLOWED = {"name", "edition_title", "announcements"}

# Classic server-side template injection payloads (PayloadsAllTheThings / Jinja2 section).
SSTI_PAYLOADS = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''.__class__.__base__.__subclasses__() }}",
    "{{ name.__class__.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ joiner.__init__.__globals__.os.popen('id').read() }}",
    "{{ namespace.__init__.__globals__.os.popen('id').read() }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ lipsum|attr('__glo' ~ 'bals__') }}",
    "{{ name|attr('__class__') }}",
    "{{ '{0.__class__.__mro__}'.format(name) }}",
    "{{ ('%s' % name).__class__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ self.__init__.__globals__ }}",
    "{{ range.__self__ }}",
    "{{ name.mro() }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{% set x = announcements.append(1) %}",
    "{{ announcements.pop() }}",
    "{{ 'A' * 100000000 }}",
    "{{ 9 ** 9999999 }}",
    "{{ range(100000000)|list }}",
]


@pytest.mark.parametrize("payload", SSTI_PAYLOADS)
def test_validate_rejects_ssti_payloads(payload: str) -> None:
    """Saving a template with a payload is refused with a line number."""
    with pytest.raises(TemplateProblem, match=r"^line \d+: "):
        validate_template(f"Hello\n{payload}", allowed_variables=ALLOWED)


@pytest.mark.parametrize("payload", SSTI_PAYLOADS)
def test_rendering_payloads_never_reaches_internals(payload: str) -> None:
    """Even skipping validation, the sandbox refuses at render time: no class, no globals, no os."""
    context = {"name": "Ada", "edition_title": "t", "announcements": ["a", "b"]}
    try:
        out = render_user_template(payload, context)
    except TemplateProblem as exc:
        assert "line 1" in str(exc)
        return
    # The only tolerated outcome besides an error: harmless output with no Python internals.
    for leak in ("<class", "__globals__", "uid=", "<built-in", "<function", "module"):
        assert leak not in out, (payload, out)


def test_render_time_violation_names_the_line() -> None:
    """A violation only the sandbox catches (dynamic attribute name) is reported at its line."""
    source = "one\ntwo\n{{ name|attr('__' ~ 'class__') }}"
    with pytest.raises(TemplateProblem, match=r"^line 3: not allowed in templates"):
        validate_template(source, allowed_variables=ALLOWED)


def test_payload_in_untaken_branch_is_still_rejected() -> None:
    """Static checks catch attribute abuse the sample render would never execute."""
    source = "{% if false %}\n{{ name.__class__ }}\n{% endif %}"
    with pytest.raises(TemplateProblem, match=r"^line 2: access to attribute '__class__'"):
        validate_template(source, allowed_variables=ALLOWED)


def test_syntax_error_reports_line() -> None:
    """A broken expression names its line."""
    with pytest.raises(TemplateProblem, match=r"^line 3: syntax error"):
        validate_template("a\n{% if name %}b{% endif %}\n{{ name }", allowed_variables=ALLOWED)


def test_unknown_variable_reports_name_and_line() -> None:
    """A misspelt variable is named with its line and the list of what is available."""
    with pytest.raises(TemplateProblem, match=r"^line 2: unknown variable 'nmae'.*available"):
        validate_template("Hi\n{{ nmae }}", allowed_variables=ALLOWED)


def test_valid_template_passes_and_escapes() -> None:
    """An ordinary template validates and its output is autoescaped."""
    source = "Hello {{ name }}, {% for a in announcements %}{{ a|upper }} {% endfor %}"
    validate_template(source, allowed_variables=ALLOWED)
    out = render_user_template(source, {"name": "<b>Eve</b>", "announcements": ["x"]})
    assert out == "Hello &lt;b&gt;Eve&lt;/b&gt;, X "


def test_missing_value_at_render_is_a_template_problem() -> None:
    """StrictUndefined: a variable absent at render time is an error, not an empty string."""
    with pytest.raises(TemplateProblem, match="UndefinedError"):
        render_user_template("{{ name }}", {})


def test_environment_configuration() -> None:
    """Sandbox: sandboxed, autoescape, StrictUndefined; system: autoescape, StrictUndefined."""
    sandbox = sandboxed_environment()
    assert isinstance(sandbox, SandboxedEnvironment)
    assert sandbox.autoescape is True
    assert sandbox.undefined is StrictUndefined
    system = system_environment()
    assert system.autoescape is True
    assert system.undefined is StrictUndefined
    assert "email/layout.html.j2" in system.list_templates()
