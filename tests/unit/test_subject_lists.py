"""Generated subjects and the subject lint, as pure functions (service/campaigns/subjects.py)."""

from __future__ import annotations

from service.campaigns.subjects import edition_subject, listed, subject_problems
from service.models import Announcement, Campaign


def _item(i: int, en: str, de: str | None = None) -> Announcement:
    german = f"{de} (Titel)" if de else None
    return Announcement(
        id=i, slug=f"a{i}", title_en=f"{en} (title)", short_title_en=en, title_de=german,
        short_title_de=de,
    )  # fmt: skip


def test_lists_read_naturally_and_stop_at_three() -> None:
    assert listed(["a"], "en") == "a"
    assert listed(["a", "b"], "de") == "a und b"
    assert listed(["a", "b", "c"], "en") == "a, b and c"
    assert listed(["a", "b", "c", "d"], "de") == "a, b, c und eine weitere"
    assert listed(["a", "b", "c", "d", "e"], "en") == "a, b, c and 2 more"


def test_the_tag_becomes_the_editions_own_short_titles_with_merge_tags_kept() -> None:
    stays, atlas = _item(1, "research stays", "Forschungsaufenthalte"), _item(2, "the atlas")
    campaign = Campaign(name="c", subject_en="{{ announcements }} for {{ first_name }}",
                        subject_de="Neu: {{ announcements }}")  # fmt: skip
    both = [(stays, "en"), (atlas, "en")]
    assert edition_subject(campaign, language="en", shown=both) == (
        "Research stays and the atlas for {{ first_name }}"
    )
    # the atlas has no German text: shown in English, named by its English short title
    german = [(stays, "de"), (atlas, "en")]
    assert edition_subject(campaign, language="de", shown=german) == (
        "Neu: Forschungsaufenthalte und the atlas"
    )
    campaign.edition_subjects = [{"language": "de", "announcement_ids": [2, 1], "subject": "X"}]
    assert edition_subject(campaign, language="de", shown=german) == "X"
    assert edition_subject(campaign, language="de", shown=[(stays, "de")]).startswith("Neu:")


def test_a_subject_naming_a_missing_item_is_found_by_whole_words_in_any_case() -> None:
    lung = _item(1, "the lung conference", "Lungenkonferenz")
    stays = _item(2, "research stays", "Forschungsaufenthalte")
    found = subject_problems(
        "News: Research Stays and more", language="en", shown=[lung], lacking=[stays]
    )
    assert [p.code for p in found] == ["subject-names"] and "'a2'" in found[0].message
    assert not subject_problems("Lungenkonferenzen", language="de", shown=[], lacking=[lung])
    assert not subject_problems("the lung conference", language="en", shown=[lung], lacking=[stays])
    # a held item's name that contains a missing one's name does not count as naming it
    conf = _item(3, "lung conference")
    assert not subject_problems("the lung conference", language="en", shown=[lung], lacking=[conf])
