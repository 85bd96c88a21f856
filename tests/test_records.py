"""A dictionary's record: written into its file and its tables, read back from there."""

import pytest

from sparsesens.records import DictionaryRecord, dictionary_tag


def test_a_record_goes_through_its_attributes_unchanged():
    for record in (DictionaryRecord(0.3), DictionaryRecord(0.3, 1e-3, 2),
                   DictionaryRecord(3.0, 0.0, 1)):
        attrs = record.attrs()
        assert attrs["tag"] == dictionary_tag(record.lam, record.mu, record.seed)
        assert DictionaryRecord.from_attrs({**attrs, "sha256": "x", "seed": 123}) == record


def test_a_file_without_a_record_or_with_a_wrong_one_is_refused_by_name():
    attrs = DictionaryRecord(0.3, 0.01, 1).attrs()
    with pytest.raises(ValueError, match=r"old\.h5 carry no dictionary record \(missing mu, "
                                         r"dictionary_seed\)"):
        DictionaryRecord.from_attrs({"lam": 0.3, "tag": "0.3"}, "old.h5")
    with pytest.raises(ValueError, match="tag '0.3_s1' does not match"):
        DictionaryRecord.from_attrs({**attrs, "tag": "0.3_s1"}, "odd.h5")
