"""Code run by a fresh Python interpreter: one that has loaded no framework, so it may fork (hard
budgets, as for a caller of the Python API; the test processes' own budgets are soft)."""
import subprocess
import sys
import textwrap


def run_fresh(code: str, timeout: float) -> str:
    """The standard output of ``code`` (dedented) run by a fresh interpreter, which must exit 0 (else
    the test fails with its standard error); killed past ``timeout`` seconds."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, done.stderr
    return done.stdout
