import logging
import subprocess
import sys
import textwrap

import numpy as np

from sparsesens.pipeline.logs import (
    MACHINE_PREFIX,
    PRODUCT_LABEL,
    SPEED_SEPARATOR,
    job_logger,
    machine_description,
    machine_line,
    product_ms_of,
)


def test_a_job_log_names_the_machine_and_keeps_warnings_and_tracebacks(tmp_path):
    log = tmp_path / "logs/job.log"
    script = tmp_path / "job.py"
    script.write_text(textwrap.dedent(f"""
        import warnings
        from sparsesens.pipeline.logs import job_logger
        log = job_logger({str(log)!r}, "job")
        log.info("working")
        warnings.warn("a warning worth keeping")
        raise RuntimeError("the job failed here")
    """))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert done.returncode != 0
    lines = log.read_text().splitlines()
    assert MACHINE_PREFIX + machine_description() in lines[0]
    text = "\n".join(lines)
    assert "a warning worth keeping" in text
    assert "Traceback" in text and "RuntimeError: the job failed here" in text
    # the log ends with one line that says what failed; the console gets that line alone
    assert lines[-1].endswith(f"failed: RuntimeError: the job failed here (traceback in {log})")
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == lines[-1]


def test_without_a_file_the_logger_writes_to_stderr_only(capsys, monkeypatch):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored afterwards
    try:
        job_logger(None, "quiet").info("hello")
    finally:
        logging.captureWarnings(False)
    assert "hello" in capsys.readouterr().err


def test_the_machine_line_carries_the_reference_products_time():
    line = machine_line(measure=True)
    assert line.startswith(machine_description() + SPEED_SEPARATOR + PRODUCT_LABEL)
    assert 0 < product_ms_of(line) < 10_000
    assert machine_line(measure=False) == machine_description()
    assert np.isnan(product_ms_of(machine_description()))
