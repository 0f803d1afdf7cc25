"""Code run by a fresh Python interpreter: one holding only the modules the code imports — what
an import-isolation test looks at —, and no framework unless the code loads one (then never
forked: hard budgets, as for a caller of the Python API, need a process without one; the test
processes' own budgets are soft).  Every run has a timeout: no test waits forever on a child."""
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


def run_cli(args: list, timeout: float = 600, **kwargs) -> subprocess.CompletedProcess:
    """``gradspec ARGS`` (``python -m check``) run by a fresh interpreter: its exit code, standard
    output and standard error as text; killed past ``timeout`` seconds.  ``kwargs`` go to
    ``subprocess.run`` (``cwd``, ``env``)."""
    return subprocess.run([sys.executable, "-m", "check", *args], capture_output=True, text=True, timeout=timeout,
                          **kwargs)
