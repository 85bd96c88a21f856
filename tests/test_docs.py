"""The README is an entrance that agrees with the docs: each number it quotes has one
source, the table of docs/reference-runs.md that says how it was measured, and where a
number can be recomputed (a plan's job count, a committed table's sums) it is."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from tests.conftest import REPO, run_snakemake

README = (REPO / "README.md").read_text()
REFERENCE_RUNS = (REPO / "docs/reference-runs.md").read_text()
HEADLINE = "## The numbers the README quotes"


def _table_rows(text: str) -> list[list[str]]:
    """The cells of every row of the first Markdown table in ``text``."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not set("".join(cells)) <= set("-: "):
                rows.append(cells)
        elif rows:
            break
    return rows[1:]  # without the header


def _readme_presets() -> dict[str, list[str]]:
    section = README[README.index("## Run it"):]
    return {row[0]: row for row in _table_rows(section[section.index("| command"):])}


def _headline() -> dict[str, list[str]]:
    assert HEADLINE in REFERENCE_RUNS, f"docs/reference-runs.md has no section {HEADLINE!r}"
    section = REFERENCE_RUNS[REFERENCE_RUNS.index(HEADLINE):]
    return {row[0]: row for row in _table_rows(section)}


def test_the_readme_fits_on_two_screens_with_make_quick_first():
    lines = README.splitlines()
    assert len(lines) <= 120, len(lines)
    first_block = README[README.index("```bash"):].splitlines()[1]
    assert first_block.startswith("make quick"), first_block
    # every page it links to exists
    for page in re.findall(r"\]\((docs/[^)]+)\)", README):
        assert (REPO / page).is_file(), page


def test_every_time_the_readme_quotes_is_the_reference_runs_one():
    presets, headline = _readme_presets(), _headline()
    assert presets, "the README has no preset table"
    for command, row in presets.items():
        assert command in headline, f"{command}: no row in docs/reference-runs.md"
        assert row[-1] == headline[command][1], (command, row[-1], headline[command][1])
        assert re.search(r"\d{4}-\d{2}-\d{2}", row[-1]), f"{command}: no date"


def test_the_claims_count_is_the_committed_reference_tables():
    passed, rows = map(int, re.search(r"(\d+) of\s+(\d+) claims pass", README).groups())
    value, source = _headline()["claims at full scale"][1:3]
    assert value == f"{passed} of {rows}"
    path = re.search(r"`(benchmarks/reference/[^`]+/claims\.tsv)`", source).group(1)
    claims = pd.read_csv(REPO / path, sep="\t")
    assert (len(claims), int((claims["status"] == "PASS").sum())) == (rows, passed)


def test_the_full_scale_time_is_the_sum_of_its_reference_jobs():
    value, source = _headline()["`make reproduce`"][1:3]
    hours, minutes = map(int, re.match(r"(\d+) h (\d+) min", value).groups())
    path = re.search(r"`(benchmarks/reference/[^`]+/benchmarks_pipeline_jobs\.tsv)`",
                     source).group(1)
    jobs = pd.read_csv(REPO / path, sep="\t")
    # the default configuration runs the first dictionary seed's jobs
    seconds = jobs[~jobs["job"].str.contains(r"_s\d", regex=True)]["seconds"].sum()
    assert round(seconds / 60) == 60 * hours + minutes, seconds


@pytest.mark.parametrize("preset", ["smoke", "quick"])
def test_the_readme_job_counts_are_what_the_presets_plan(workdir, preset):
    quoted = re.search(r"\((\d+) jobs\)", _readme_presets()[f"`make {preset}`"][1])
    plan = run_snakemake(workdir, "-n", "--cores", "2", "--configfile",
                         str(REPO / f"presets/{preset}.yaml"), timeout=300)
    assert plan.returncode == 0, plan.stderr[-2000:]
    total = re.search(r"^total\s+(\d+)$", plan.stdout, re.M)
    assert int(quoted.group(1)) == int(total.group(1))


def test_other_pages_leave_the_preset_times_to_the_reference_runs():
    for page in (REPO / "docs").glob("*.md"):
        if page.name == "reference-runs.md":
            continue
        text = page.read_text()
        for preset in ("smoke", "quick"):
            said = re.search(rf"{preset} preset[^.]*\b\d+ min \d+ s", text)
            assert said is None, f"{page.name}: {said.group(0)!r}"
