"""The conda environment file and pyproject.toml must list the same packages."""

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
# conda spells a few packages differently from PyPI
CONDA_NAMES = {"pytorch": "torch"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower()


def test_conda_environment_matches_pyproject():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    wanted = {_name(r) for r in pyproject["project"]["dependencies"]}
    env = yaml.safe_load((REPO / "envs/sparsesens.yaml").read_text())
    listed = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            listed |= {_name(r) for r in dep["pip"] if not r.startswith("-e")}
        elif _name(dep) not in {"python", "pip", "cxx-compiler"}:
            listed.add(CONDA_NAMES.get(_name(dep), _name(dep)))
    assert listed == wanted


def test_every_rule_names_the_environment():
    # but the download, which runs in Snakemake's own process (``run:``, where Snakemake
    # allows no conda directive)
    for smk in (REPO / "workflow/rules").glob("*.smk"):
        text = smk.read_text()
        assert text.count("rule ") == text.count("conda:") + text.count("    run:"), smk.name


def test_one_version_everywhere():
    # pyproject.toml holds it; the package reads it from its metadata, the citation file and
    # the changelog's newest heading must say the same
    import sparsesens

    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text())
    newest = re.search(r"^## (\S+)", (REPO / "CHANGELOG.md").read_text(), re.MULTILINE)
    assert (sparsesens.__version__, str(citation["version"]), newest.group(1)) == (
        version, version, version)


def test_the_readme_names_every_preset():
    readme = (REPO / "README.md").read_text()
    for preset in sorted((REPO / "presets").glob("*.yaml")):
        assert f"presets/{preset.name}" in readme, preset.name


def test_jobs_find_the_package_from_the_checkout_without_installing_it(workdir):
    # what --sdm conda's environments are like: the dependencies, not the project's package
    import subprocess
    import sys
    import sysconfig

    from tests.conftest import copy_workflow

    checkout = workdir / "checkout"
    checkout.mkdir()
    snakefile = copy_workflow(checkout)
    bare = workdir / "bare-env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(bare)}))
    # the dependencies' folder on the path; its .pth files, the editable install's among
    # them, are not read from there
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    python = str(bare / "bin" / "python")
    probe = subprocess.run([python, "-c", "import sparsesens"], capture_output=True, text=True,
                           cwd=workdir, check=False)
    assert probe.returncode != 0 and "sparsesens" in probe.stderr
    data = subprocess.run([python, "-m", "snakemake", "-s", str(snakefile),
                           "results/smoke/data/mnist.h5", "--cores", "1",
                           "--configfile", str(REPO / "presets/smoke.yaml")],
                          cwd=workdir, capture_output=True, text=True, timeout=600, check=False)
    assert data.returncode == 0, data.stderr[-3000:]
    assert (workdir / "results/smoke/data/mnist.h5").is_file()


def test_the_environment_file_installs_nothing_by_path():
    env = yaml.safe_load((REPO / "envs/sparsesens.yaml").read_text())
    pip = next(dep["pip"] for dep in env["dependencies"] if isinstance(dep, dict))
    assert not [r for r in pip if r.startswith("-e") or "/" in r]
