"""What the rules ask a scheduler for: measured at paper scale, scaled, grown per attempt."""
import re

import pandas as pd
import pytest

from sparsesens.pipeline import resources, settings
from tests.conftest import REPO
from tests.conftest import load_config as _config


def test_every_rule_that_asks_has_a_measurement():
    asked = set()
    for path in (REPO / "workflow/rules").glob("*.smk"):
        asked |= set(re.findall(r'(?:memory_mib|minutes)\("(\w+)"\)', path.read_text()))
    assert asked == set(resources.PAPER_SCALE)


@pytest.mark.parametrize("rule", sorted(resources.PAPER_SCALE))
def test_paper_scale_covers_the_measured_job_and_retries_ask_for_more(rule):
    config = _config()
    measured = resources.PAPER_SCALE[rule]
    memory = resources.job_memory_mib(config, rule)
    minutes = resources.job_minutes(config, rule)
    assert measured.mib < memory and memory % 256 == 0
    assert measured.seconds / 60 < minutes
    assert resources.job_memory_mib(config, rule, attempt=2) == 2 * memory
    assert resources.job_minutes(config, rule, attempt=3) == 3 * minutes


def test_smaller_presets_ask_for_less_but_never_below_the_floors():
    paper, smoke = _config(), _config("presets/smoke.yaml")
    for rule in ("learn_dictionary", "evaluate", "random_features", "encode"):
        assert resources.job_memory_mib(smoke, rule) < resources.job_memory_mib(paper, rule)
        assert resources.job_memory_mib(smoke, rule) >= resources.BASE_MIB
        assert resources.job_minutes(smoke, rule) == resources.MIN_MINUTES
    assert (resources.job_minutes(paper, "learn_dictionary")
            > resources.job_minutes(_config("presets/quick.yaml"), "learn_dictionary"))


def test_the_paper_learner_asks_for_its_iterations():
    online = _config()
    paper = settings.merge_config(online, {"dictionary": {"method": "paper"}})
    # 40,000 iterations at lambda 0.03 on 50,000 images: hours, not the online learner's time
    assert resources.job_minutes(paper, "learn_dictionary") > 10 * 60
    assert (resources.job_minutes(paper, "learn_dictionary")
            > 5 * resources.job_minutes(online, "learn_dictionary"))


def test_an_unknown_rule_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="'fig9'.*learn_dictionary"):
        resources.job_memory_mib(_config(), "fig9")


def test_the_measurements_are_data_with_a_source_for_every_rule():
    table = pd.read_csv(REPO / "src/sparsesens/pipeline" / resources.MEASURED_FILE, sep="\t")
    assert list(table.columns) == ["rule", "peak_mib", "seconds", "source"]
    assert table["source"].str.len().min() > 10 and table["rule"].is_unique
    assert {row.rule: resources.Measured(row.peak_mib, row.seconds)
            for row in table.itertuples()} == resources.PAPER_SCALE
