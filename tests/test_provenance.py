import ast
from pathlib import Path

from sparsesens.pipeline import provenance

REPO = Path(__file__).resolve().parents[1]
SCRIPTS, PACKAGE = REPO / "workflow/scripts", REPO / "src/sparsesens"


def names(script: str) -> set[str]:
    return set(provenance.module_closure(SCRIPTS / script, PACKAGE))


def test_dictionary_stage_depends_on_both_learners_and_nothing_downstream():
    # the online learner steps its codes with the encoder's FISTA and polish, so an edit
    # of those re-learns the dictionaries; the later stages' modules must not
    closure = names("learn_dictionary.py")
    assert {"dictionary.learners", "dictionary.online", "dictionary.paper", "lasso",
            "lasso.fista", "lasso.polish", "lasso.shrinkage"} <= closure
    assert "lasso.homotopy" not in closure
    assert closure.isdisjoint({"sensitivity", "analysis", "evaluation", "baselines.mlp",
                               "claims", "figures"})


def test_encode_depends_on_the_solver_and_what_it_imports():
    assert {"lasso", "io", "pipeline.settings"} <= names("encode.py")


def test_the_encoder_reaches_the_homotopy_and_the_learner_does_not():
    # an edit of the homotopy solver re-runs the codes, not the dictionaries
    encode = provenance.definitions_reached(SCRIPTS / "encode.py", PACKAGE)
    learner = provenance.definitions_reached(SCRIPTS / "learn_dictionary.py", PACKAGE)
    assert "lasso.homotopy.homotopy" in encode and "lasso.polish.polish" in encode
    assert "lasso.polish.polish" in learner and "lasso.homotopy.homotopy" not in learner
    # the MNIST download and unpickler are not the shard readers' business
    assert "io.download_mnist_wheel" not in encode and "io.read_code_shard" not in encode


def _package(tmp_path, **modules):
    package = tmp_path / "sparsesens"
    package.mkdir(exist_ok=True)
    for name, source in modules.items():
        (package / f"{name}.py").write_text(source)
    return package


def test_code_version_follows_behaviour_not_text(tmp_path):
    package = _package(
        tmp_path,
        a='"""Module a."""\nfrom sparsesens.b import helper\n\n\ndef used(x):\n'
          '    """Docs."""\n    return helper(x) + 1  # why\n\n\ndef unused():\n    return 0\n',
        b="SCALE = 2\n\n\ndef helper(x):\n    return SCALE * x\n\n\ndef other():\n    return 1\n")
    script = tmp_path / "s.py"
    script.write_text("from sparsesens.a import used\nprint(used(1))\n")
    before = provenance.code_version(script, package)

    def version_after(module, old, new):
        path = package / f"{module}.py"
        path.write_text(path.read_text().replace(old, new))
        return provenance.code_version(script, package)

    assert version_after("a", '"""Docs."""', '"""Other docs."""') == before
    assert version_after("a", "# why", "# another reason\n") == before
    assert version_after("a", "return 0", "return 5") == before     # not reached
    assert version_after("b", "return 1", "return 9") == before     # not reached
    assert version_after("b", "SCALE = 2", "SCALE = 3") != before   # reached through helper
    assert version_after("b", "SCALE = 3", "SCALE = 2") == before
    assert version_after("a", "+ 1", "+ 2") != before


def test_a_module_used_whole_counts_whole(tmp_path):
    package = _package(tmp_path, c="def f():\n    return 1\n\n\ndef g():\n    return 2\n")
    script = tmp_path / "s.py"
    script.write_text("from sparsesens import c\nprint(getattr(c, 'g')())\n")
    before = provenance.code_version(script, package)
    (package / "c.py").write_text((package / "c.py").read_text().replace("return 2", "return 3"))
    assert provenance.code_version(script, package) != before


def test_a_subpackage_re_export_leads_to_the_module_that_defines_it(tmp_path):
    package = _package(tmp_path, other="def unrelated():\n    return 0\n")
    (package / "solvers").mkdir()
    (package / "solvers/__init__.py").write_text(
        "from sparsesens.solvers.fast import solve\nfrom sparsesens.solvers.slow import crawl\n")
    (package / "solvers/fast.py").write_text("def solve(x):\n    return x + 1\n")
    (package / "solvers/slow.py").write_text("def crawl(x):\n    return x - 1\n")
    script = tmp_path / "s.py"
    script.write_text("from sparsesens.solvers import solve\nprint(solve(1))\n")
    assert provenance.module_closure(script, package) == ["solvers", "solvers.fast"]
    before = provenance.code_version(script, package)
    (package / "solvers/slow.py").write_text("def crawl(x):\n    return x - 2\n")
    assert provenance.code_version(script, package) == before   # not reached
    (package / "solvers/fast.py").write_text("def solve(x):\n    return x + 2\n")
    assert provenance.code_version(script, package) != before


def test_a_submodule_imported_from_its_package_is_followed_name_by_name(tmp_path):
    package = _package(tmp_path)
    (package / "solvers").mkdir()
    (package / "solvers/__init__.py").write_text("")
    (package / "solvers/kernel.py").write_text(
        'SOURCE_HASH = "a"\n\n\ndef run():\n    return SOURCE_HASH\n\n\n'
        "def unused():\n    return 1\n")
    script = tmp_path / "s.py"
    script.write_text("from sparsesens.solvers import kernel\nprint(kernel.run())\n")
    assert "solvers.kernel" in provenance.module_closure(script, package)
    before = provenance.code_version(script, package)
    kernel = package / "solvers/kernel.py"
    kernel.write_text(kernel.read_text().replace("return 1", "return 2"))
    assert provenance.code_version(script, package) == before   # not reached
    kernel.write_text(kernel.read_text().replace('"a"', '"b"'))
    assert provenance.code_version(script, package) != before


def test_a_name_the_subpackage_binds_wins_over_its_submodule(tmp_path):
    # ``from sparsesens.lasso import polish`` is the function its __init__ re-exports
    package = _package(tmp_path)
    (package / "solvers").mkdir()
    (package / "solvers/__init__.py").write_text("from sparsesens.solvers.step import step\n")
    (package / "solvers/step.py").write_text("def step():\n    return 1\n\n\n"
                                             "def other():\n    return 2\n")
    script = tmp_path / "s.py"
    script.write_text("from sparsesens.solvers import step\nprint(step())\n")
    assert "solvers.step.step" in provenance.definitions_reached(script, package)
    assert "solvers.step.other" not in provenance.definitions_reached(script, package)


def test_the_encoder_reaches_the_compiled_kernel_by_its_pinned_hash():
    # lars.cpp is not Python: its pinned SHA-256 is what makes an edit re-run the encoders
    assert "lasso.native.SOURCE_SHA256" in provenance.definitions_reached(
        SCRIPTS / "encode.py", PACKAGE)


def _helpers(scale: int) -> str:
    """A module holding ``helper`` and the constant it reads."""
    return f"import numpy as np\n\nSCALE = {scale}\n\n\ndef helper(x):\n    return SCALE * x\n"


def test_moving_a_definition_to_another_module_changes_no_hash(tmp_path):
    # the reorganisation of a package re-runs nothing: a definition is keyed by what it
    # is, and references to the package by the names they refer to
    package = _package(
        tmp_path,
        a="import numpy as np\n\nfrom sparsesens.b import helper\n\n\ndef used(x):\n"
          "    return helper(x) + np.pi\n",
        b=_helpers(2))
    script = tmp_path / "s.py"
    script.write_text("from sparsesens import a\nprint(a.used(1))\n")
    before = provenance.code_version(script, package)
    # helper and its constant move into a new subpackage's module; a imports it from there
    (package / "b.py").unlink()
    (package / "stage").mkdir()
    (package / "stage/__init__.py").write_text("")
    (package / "stage/helpers.py").write_text(_helpers(2))
    (package / "a.py").write_text(
        "import numpy as np\n\nfrom sparsesens.stage import helpers\n\n\ndef used(x):\n"
        "    return helpers.helper(x) + np.pi\n")
    assert provenance.code_version(script, package) == before
    # a function that imports the package in its body is followed, and moved freely too
    (package / "a.py").write_text(
        "import numpy as np\n\n\ndef used(x):\n    from sparsesens.stage.helpers import "
        "helper as h\n\n    return h(x) + np.pi\n")
    local = provenance.code_version(script, package)
    (package / "stage/helpers.py").write_text(_helpers(3))
    assert provenance.code_version(script, package) != local


def test_a_moved_definition_hashes_the_same_whatever_else_its_new_module_imports(tmp_path):
    # the new module imports other outside modules, in another order, and names types
    # for type checkers only: none of it is what the moved definition does
    package = _package(tmp_path, a=_helpers(2))
    script = tmp_path / "s.py"
    script.write_text("from sparsesens.a import helper\nprint(helper(1))\n")
    before = provenance.code_version(script, package)
    (package / "a.py").write_text("from sparsesens.b import helper\n")
    (package / "b.py").write_text(
        "from __future__ import annotations\n\nimport hashlib\nfrom typing import "
        "TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from sparsesens.a import helper\n\n"
        + _helpers(2).replace("import numpy as np\n", ""))
    assert provenance.code_version(script, package) == before
    # an import that the definition's code uses counts: another module under its name
    # changes what it does
    uses = "import numpy as np\n\n\ndef helper(x):\n    return np.sum(x)\n"
    (package / "b.py").write_text(uses)
    numpy = provenance.code_version(script, package)
    (package / "b.py").write_text(uses.replace("import numpy as np", "import cupy as np"))
    assert provenance.code_version(script, package) != numpy
    # and statements that run at import time count too
    (package / "b.py").write_text(uses + "np.seterr(all='raise')\n")
    assert provenance.code_version(script, package) != numpy


def test_the_package_has_no_relative_imports():
    # provenance follows absolute imports of the package only
    for module in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{module.relative_to(PACKAGE)}: relative import"
