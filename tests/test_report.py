"""The report's captions render: reStructuredText that docutils would warn about shows in
the report as an error box instead of the caption."""

from pathlib import Path

import docutils.core
import docutils.utils
import pytest

from tests.conftest import REPO

CAPTIONS = sorted((REPO / "workflow/report").glob("*.rst"))


def _render(text: str, source: str) -> str:
    """HTML of ``text``; any docutils warning or error raises (halt_level 2)."""
    return docutils.core.publish_parts(
        text, source_path=source, writer="html",
        settings_overrides={"halt_level": 2, "report_level": 2, "warning_stream": False})["body"]


@pytest.mark.parametrize("caption", CAPTIONS, ids=lambda path: path.name)
def test_every_caption_renders_without_a_warning(caption: Path):
    assert _render(caption.read_text(), str(caption)).strip()


def test_a_caption_that_cannot_render_is_caught():
    # the kind of caption that once rendered as an error box: |a . b| reads as a
    # substitution reference that nothing defines
    with pytest.raises(docutils.utils.SystemMessage, match="Undefined substitution"):
        _render("The overlaps |d_i . d_j| of the atoms.", "bad.rst")


def test_every_caption_is_used_by_a_rule_or_the_snakefile():
    said = "\n".join(path.read_text() for path in
                     [REPO / "Snakefile", *(REPO / "workflow/rules").glob("*.smk")])
    unused = [path.name for path in CAPTIONS if path.name not in said]
    assert not unused, f"captions no rule names: {unused}"
