from pathlib import Path

from sparsesens import provenance

REPO = Path(__file__).resolve().parents[1]
SCRIPTS, PACKAGE = REPO / "workflow/scripts", REPO / "src/sparsesens"


def names(script: str) -> set[str]:
    return {Path(p).stem for p in provenance.module_closure(SCRIPTS / script, PACKAGE)}


def test_dictionary_stage_depends_on_both_learners_and_nothing_downstream():
    # the online learner steps its codes with the encoder's FISTA and polish, so an edit
    # of lasso.py re-learns the dictionaries; the later stages' modules must not
    closure = names("learn_dictionary.py")
    assert {"dictionary", "dictionary_online", "lasso", "shrinkage"} <= closure
    assert closure.isdisjoint({"sensitivity", "analysis", "classify", "mlp", "claims",
                               "figures"})


def test_encode_depends_on_the_solver_and_what_it_imports():
    assert {"lasso", "shrinkage", "io"} <= names("encode.py")


def test_code_version_changes_with_an_imported_module(tmp_path):
    package = tmp_path / "sparsesens"
    package.mkdir()
    (package / "a.py").write_text("from sparsesens import b\n")
    (package / "b.py").write_text("X = 1\n")
    (package / "c.py").write_text("Y = 1\n")
    script = tmp_path / "s.py"
    script.write_text("from sparsesens.a import thing\n")
    before = provenance.code_version(script, package)
    (package / "c.py").write_text("Y = 2\n")    # not imported: same version
    assert provenance.code_version(script, package) == before
    (package / "b.py").write_text("X = 2\n")    # imported through a.py: a new version
    assert provenance.code_version(script, package) != before
