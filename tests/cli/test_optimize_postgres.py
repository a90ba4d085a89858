"""``optimizer.storage=postgresql://...`` against a real PostgreSQL server: several ``optimize``
processes (as on several machines) sharing one study.

The server is a throw-away cluster (``initdb`` into a temporary directory, a free local port,
password authentication), started once for this module. The driver is pg8000 (BSD, pure
Python, in the ``dev`` extra). Found here: two runs started side by side on a new database
raced on creating Optuna's tables, and one of them stopped with PostgreSQL's "duplicate key".
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import optuna
import pytest

from tests.optimize.conftest import TINY_SPACE, files_holding, quick_search_args

PASSWORD = "Pg-LeakMe-42"
#: A space of 2 x 10 x 10 = 200 redesigns: random proposals of two runs rarely meet by chance.
WIDE_SPACE = {
    **TINY_SPACE,
    "staffing": {
        "clerk": {"min": 1, "max": 10, "one_off_cost_per_hire": 1},
        "expert": {"min": 1, "max": 10, "one_off_cost_per_hire": 1},
    },
}


def _server_program(name: str) -> str | None:
    """A PostgreSQL server program: on the PATH, or in Debian's versioned folder."""
    found = shutil.which(name)
    if found:
        return found
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(folder, name).is_file():
            return str(Path(folder, name))
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_url():
    """The URL of a new database on a throw-away PostgreSQL server, password in it."""
    initdb, pg_ctl = _server_program("initdb"), _server_program("pg_ctl")
    if initdb is None or pg_ctl is None:  # .ci/run installs it (Debian's postgresql)
        pytest.skip("PostgreSQL server programs not found (apt-get install postgresql)")
    import pg8000.native  # the dev extra installs it

    root = Path(tempfile.mkdtemp(prefix="sim-pg-"))
    as_server_user: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root: run it as 'postgres'
        account = pwd.getpwnam("postgres")
        os.chown(root, account.pw_uid, account.pw_gid)
        as_server_user = ["runuser", "-u", "postgres", "--"]
    (root / "pw").write_text(PASSWORD)
    os.chmod(root / "pw", 0o644)
    data, port = root / "data", _free_port()
    subprocess.run(
        [*as_server_user, initdb, "-D", str(data), "-U", "sim", "-A", "scram-sha-256"]
        + [f"--pwfile={root / 'pw'}", "--no-sync", "-E", "UTF8"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off"
    started = subprocess.run(
        [*as_server_user, pg_ctl, "-D", str(data), "-l", str(root / "log"), "-w", "-t", "60"]
        + ["-o", options, "start"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    try:
        assert started.returncode == 0, (root / "log").read_text(errors="replace")
        admin = pg8000.native.Connection(
            "sim", password=PASSWORD, host="127.0.0.1", port=port, database="postgres"
        )
        admin.run("CREATE DATABASE studies")
        admin.close()
        yield f"postgresql+pg8000://sim:{PASSWORD}@127.0.0.1:{port}/studies"
    finally:
        subprocess.run(
            [*as_server_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=120,
        )
        shutil.rmtree(root, ignore_errors=True)


def test_runs_started_side_by_side_share_one_postgresql_study(tmp_path, postgres_url):
    """Two runs at once on a new database (one of them with two workers), as on two machines:
    both finish, the study gets its trials once (no trial left running), the runs draw
    different redesigns, and the password lands in no file and no output."""
    args = [
        *quick_search_args(tmp_path, n_trials=10, space=WIDE_SPACE),
        f"optimizer.storage={postgres_url}",
        "optimizer.study_name=shared",
    ]
    from_env = [a for a in args if not a.startswith("optimizer.storage=")]
    runs = {  # b takes the URL from the environment, as the README advises
        "a": [*args, "optimizer.n_jobs=2"],
        "b": [*from_env, "optimizer.storage=${oc.env:SIM_STORAGE_URL}"],
    }
    env = {**os.environ, "SIM_STORAGE_URL": postgres_url}
    procs = {
        name: subprocess.Popen(
            [sys.executable, "-m", "sim", *run_args, f"hydra.run.dir={tmp_path / name}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for name, run_args in runs.items()
    }
    outputs = {name: proc.communicate(timeout=600) for name, proc in procs.items()}
    for name, proc in procs.items():
        assert proc.returncode == 0, outputs[name][1]
        assert (tmp_path / name / "recommendations.md").is_file()
        assert files_holding(tmp_path / name, PASSWORD) == []
        assert PASSWORD not in "".join(outputs[name])
        assert "leaked semaphore" not in outputs[name][1]  # workers ended, not terminated
    study = optuna.load_study(study_name="shared", storage=postgres_url)
    states = [t.state for t in study.trials]
    assert optuna.trial.TrialState.RUNNING not in states
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    # each worker stops once 10 have finished; the two others may each finish one in flight
    assert 10 <= len(done) <= 12
    assert len([k for k in study.user_attrs if k.startswith("sim:run:")]) == 2
    keys = [t.user_attrs["key"] for t in done]
    assert len(set(keys)) >= len(keys) - 2  # not the same proposals in lock-step
    for t in done:  # a repeat was answered from the storage, with the first one's values
        if "duplicate_of" in t.user_attrs:
            assert study.trials[t.user_attrs["duplicate_of"]].values == t.values
