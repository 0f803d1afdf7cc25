"""`gradspec audit --scheduler`: the search's truth chunks as Dask distributed tasks on a LocalCluster
give exactly the local run's report; a scheduler that does not answer is a clear error (exit 2)."""
import json
from dataclasses import asdict

import numpy as np
import pytest

from check.audits.auditor import audit
from spec.errors import GradspecError
from tests.fresh_python import run_cli


def _xent(z, t, reduction="batchmean"):
    """cross-entropy on logits, NumPy, with the max shifted out: right in float64 steps."""
    z = z.astype(np.float64)
    m = z.max(axis=-1, keepdims=True)
    ls = z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True))
    return -(t * ls).sum() / z.shape[0]


def _xent_grad(z, t, reduction="batchmean"):
    z = z.astype(np.float64)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return (e / e.sum(axis=-1, keepdims=True) * t.sum(axis=-1, keepdims=True) - t) / z.shape[0]


def _planted(z, t, reduction="batchmean"):
    """_xent, wrong (×3) where a logit lies in [3000, 4000): an error a search must find."""
    out = _xent(z, t)
    return out * 3 if ((z >= 3000) & (z < 4000)).any() else out


@pytest.fixture(scope="module")
def cluster():
    import distributed                       # installed by make (the dask extra): missing fails, never skips
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as lc:
        with distributed.Client(lc) as client:
            yield client


@pytest.mark.slow
@pytest.mark.parametrize("impl,dtype", [(_xent, "float16"), (_planted, "bfloat16")])
def test_a_search_on_dask_is_the_local_search(cluster, impl, dtype):
    kw = dict(dtype=dtype, impl_grad=_xent_grad, search=20000, seed=7, label=impl.__name__)
    from distributed import get_task_stream
    local = audit("cross_entropy_logits", impl, **kw)
    with get_task_stream(client=cluster) as stream:
        remote = audit("cross_entropy_logits", impl, scheduler=cluster, **kw)
    assert asdict(remote) == asdict(local)                       # every field: findings, worst, ranges, plot data
    ran = [t["key"] for t in stream.data]
    assert ran and all("dask_chunk" in str(k) for k in ran)      # the chunks did run on the cluster
    assert remote.search["random"] == 20000 and remote.search["compared"] > 0
    if impl is _planted:                                          # and the search did find what was planted
        assert any(f.origin.startswith("search") and f.kind in ("inaccurate", "wrong") for f in remote.findings)


def test_a_scheduler_that_does_not_answer_is_a_clear_error(monkeypatch):
    from check.audits import scale_out
    monkeypatch.setattr(scale_out, "CONNECT_SECONDS", 2)
    for address in ("nonsense", "tcp://127.0.0.1:1"):
        with pytest.raises(GradspecError, match="no Dask scheduler answered there") as e:
            with scale_out.connected(address):
                pass
        assert "dask scheduler" in str(e.value) and "\n" in str(e.value)


@pytest.mark.slow
def test_cli_scheduler_runs_the_library_audit_and_a_bad_address_exits_2(cluster, tmp_path):
    address = cluster.scheduler.address
    args = ["audit", "numpy", "log_sigmoid", "--dtype", "float16", "--search", "3000", "--seed", "3", "--json",
            "--quiet"]
    local = run_cli(args + ["--out", str(tmp_path / "a")])
    remote = run_cli(args + ["--out", str(tmp_path / "b"), "--scheduler", address])
    assert local.returncode == remote.returncode and local.returncode in (0, 1), remote.stderr[-2000:]
    assert json.loads(remote.stdout) == json.loads(local.stdout)
    assert json.loads(remote.stdout)[0]["search"]["random"] == 3000
    bad = run_cli(args + ["--out", str(tmp_path / "c"), "--scheduler", "nonsense"])
    assert bad.returncode == 2 and "no Dask scheduler answered there" in bad.stderr and "Traceback" not in bad.stderr
