"""GitHub's (and one Zapier) reply-parser expectations, transcribed from replies/labels.json.

Upstream asserts on fragments (visible, quoted, signature, hidden). Our visible_text() returns
the visible fragments joined, so each label becomes checks on that text: what it starts with,
contains, or must not contain (hidden quote headers and signatures). "Must finish in < 1 s"
labels are not wall-clock assertions here: the corpus summary prints the slowest parse instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable

Check = Callable[[str, str], bool]  # (visible text, original body) -> passed


def starts(prefix: str) -> Check:
    """Visible text begins with prefix (whitespace-normalised)."""
    return lambda got, _body: _norm(got).startswith(_norm(prefix))


def contains(*parts: str) -> Check:
    """Visible text contains every part."""
    return lambda got, _body: all(_norm(p) in _norm(got) for p in parts)


def hides(*parts: str) -> Check:
    """Visible text contains none of the parts (hidden signature or quote header)."""
    return lambda got, _body: not any(_norm(p) in _norm(got) for p in parts)


def no_line(pattern: str) -> Check:
    """No visible line matches pattern (e.g. a quote header '^On ...')."""
    return lambda got, _body: not re.search(pattern, got, re.M)


def whole_body() -> Check:
    """A single fragment: nothing to strip."""
    return lambda got, body: _norm(got) == _norm(body)


def equals(text: str) -> Check:
    """Visible text equals text (whitespace-normalised)."""
    return lambda got, _body: _norm(got) == _norm(text)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


G = "github-email_reply_parser/"
EXPECTED: dict[str, list[Check]] = {
    # "two fragments; second is signature /^-- \nrick/ (hidden)"
    G + "correct_sig.txt": [
        equals("this is an email with a correct -- signature."),
        hides("rick"),
    ],
    # first fragment == "Hi folks ... Java HTTP API.\n"; signature "-Abhishek Kona" hidden
    G + "email_1_1.txt": [
        equals(
            "Hi folks\n\nWhat is the best way to clear a Riak bucket of all key, values after\n"
            "running a test?\nI am currently using the Java HTTP API.\n"
        ),
        hides("-Abhishek Kona"),
    ],
    # bottom-post: visible first fragment "Hi,"; quoted/inline fragments follow
    G + "email_1_2.txt": [starts("Hi,")],
    # top-post: visible starts /^Oh thanks.\n\nHaving/, sig /^-A/ hidden, quote header hidden
    G + "email_1_3.txt": [starts("Oh thanks.\n\nHaving"), no_line(r"^-A"), no_line(r"^On [^:]+:")],
    # visible starts /^Awesome/; quote header /^On/ contains "Loader" (hidden)
    G + "email_1_4.txt": [starts("Awesome"), hides("Loader"), no_line(r"^On ")],
    # single fragment (nothing to strip)
    G + "email_1_5.txt": [whole_body()],
    # visible starts /^I get/; multi-line "On ... wrote:" header hidden
    G + "email_1_6.txt": [starts("I get"), no_line(r"^On "), hides("wrote:")],
    # CRLF; visible contains ":+1:"; quote starts /^On/ (hidden)
    G + "email_1_7.txt": [contains(":+1:"), no_line(r"^On ")],
    # inline replies visible; signature "--\nHey there, this is my signature\n" hidden
    G + "email_1_8.txt": [
        contains("I will reply under this one", "and under this."),
        hides("Hey there, this is my signature"),
    ],
    # 5 fragments: the text before and after the long quote lines is visible
    G + "email_long_quote.txt": [
        starts("Hi folks"),
        contains("I am currently using the Java HTTP API."),
    ],
    # visible contains "One outstanding question"; quote header /^On Oct 1, 2012/ hidden
    G + "email_one_is_not_on.txt": [
        contains("One outstanding question"),
        no_line(r"^On Oct 1, 2012"),
    ],
    # single fragment (mid-line "--" is not a signature delimiter)
    G + "email_sig_delimiter_in_middle_of_line.txt": [whole_body()],
    # visible starts /^On your remote host/ (not a quote header); quote /^On 9 Jan 2014/ hidden
    G + "greedy_on.txt": [starts("On your remote host"), no_line(r"^On 9 Jan 2014")],
    # reply contains the three sentences
    "zapier-email_reply_parser/email_partial_quote_header.txt": [
        contains(
            "On your remote host you can run:",
            "telnet 127.0.0.1 52698",
            "This should connect to TextMate",
        )
    ],
}
TIMED_ONLY = {G + "pathological.txt", G + "email_long_quote.txt"}  # "must parse in < 1 s"
