"""``optimizer.storage`` that cannot be opened: the message says why (QA 11: a SQLite URL whose
folder does not exist gave only SQLite's "unable to open database file")."""

from __future__ import annotations

import pytest

from sim.errors import ConfigError
from sim.optimize.study import open_storage


def test_a_sqlite_url_into_a_missing_folder_names_the_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as caught:
        open_storage(f"sqlite:///{tmp_path}/no/such/folder/study.db")
    said = str(caught.value)
    assert f"no folder {tmp_path}/no/such/folder to hold the database file study.db" in said
    assert "four slashes" not in said  # absolute already: the folder is missing, that is all
    assert not (tmp_path / "no").exists()


def test_three_slashes_before_an_absolute_looking_path_suggest_four(tmp_path, monkeypatch):
    (tmp_path / "studies").mkdir()
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    relative = f"{str(tmp_path).lstrip('/')}/studies/study.db"
    # sqlite:///tmp/... is tmp/... under the current directory, which has no such folder
    with pytest.raises(ConfigError) as caught:
        open_storage(f"sqlite:///{relative}?timeout=30")
    said = str(caught.value)
    assert f"no folder {elsewhere}/{relative.rsplit('/', 1)[0]}" in said
    assert f"an absolute path takes four slashes: sqlite:////{relative}?timeout=30" in said
    # the URL it suggests opens
    assert open_storage(f"sqlite:////{relative}?timeout=30") is not None
    assert (tmp_path / "studies" / "study.db").is_file()


@pytest.mark.parametrize("scheme", ["postgres", "postgres+psycopg"])
def test_a_postgres_url_is_told_to_write_postgresql(scheme):
    """QA 12: 'postgres://' (as many hosts print it) gave only SQLAlchemy's "Can't load plugin:
    sqlalchemy.dialects:postgres"."""
    with pytest.raises(ConfigError) as caught:
        open_storage(f"{scheme}://alice:s3cret@127.0.0.1:1/optuna")
    said = str(caught.value)
    fixed = scheme.replace("postgres", "postgresql")
    assert f"write the URL as {fixed}://alice:***@127.0.0.1:1/optuna" in said
    assert "s3cret" not in said
