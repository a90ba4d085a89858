"""Model files and scenarios that used to be read wrongly or run away (QA 2026-12-05 hardening):
an absurd headcount, numbers given as booleans or text, YAML merge keys, a quoted
schema_version."""

from __future__ import annotations

import copy
import time

import pytest

from sim.engine import check_scenario
from sim.errors import ConfigError, ModelError
from sim.model import from_dict
from sim.model.scenario import Scenario
from sim.model.validate import MAX_HEADCOUNT

MMC = {
    "schema_version": 1,
    "name": "mmc",
    "start": "service",
    "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
    "roles": {"server": {"headcount": 2}},
    "steps": {
        "service": {
            "role": "server",
            "duration": {"dist": "exponential", "mean": 1.6},
            "next": "done",
        }
    },
    "ends": {"done": {"success": True}},
}


def mmc(headcount: int = 2) -> dict:
    """The M/M/c model file as a mapping, its one role staffed by ``headcount``."""
    spec = copy.deepcopy(MMC)
    spec["roles"]["server"]["headcount"] = headcount
    return spec


# ------------------------------------------------------------------------------- headcount
def test_a_headcount_of_a_billion_is_refused_naming_the_key_and_the_bound():
    with pytest.raises(ModelError) as info:
        from_dict(mmc(1_000_000_000), source="hc.yaml")
    msg = str(info.value)
    assert "roles.server.headcount: at most 100,000 people, got 1,000,000,000" in msg
    assert "memory" in msg


def test_the_largest_headcount_allowed_is_read():
    assert from_dict(mmc(MAX_HEADCOUNT)).roles["server"].headcount == MAX_HEADCOUNT
    with pytest.raises(ModelError, match="roles.server.headcount: at most 100,000"):
        from_dict(mmc(MAX_HEADCOUNT + 1))


def test_a_role_that_could_not_be_read_does_not_add_a_headcount_problem():
    """A role standing in for one that could not be read must not be called too large."""
    spec = mmc()
    spec["roles"]["server"]["calender"] = "office"  # a typo: the role is not read
    spec["steps"]["service"]["next"] = "nowhere"
    with pytest.raises(ModelError) as info:
        from_dict(spec)
    assert "calender" in str(info.value)
    assert "at most" not in str(info.value)


def test_a_scenario_staffing_a_role_with_too_many_people_is_refused_before_the_setup():
    """``check_scenario`` builds the engine's setup, which named every person first (8 GB and
    growing for a billion): the bound is checked before that, naming the override's key."""
    model = from_dict(mmc())
    with pytest.raises(ConfigError) as info:
        check_scenario(model, Scenario(staffing={"server": MAX_HEADCOUNT + 1}))
    assert str(info.value).startswith("scenario.staffing.server: at most 100,000 people, got")
    check_scenario(model, Scenario(staffing={"server": 3}))


def test_a_model_built_in_code_with_too_many_people_is_refused_by_the_engine():
    from dataclasses import replace

    model = from_dict(mmc())
    role = replace(model.roles["server"], headcount=MAX_HEADCOUNT + 1)
    huge = replace(model, roles={"server": role})
    with pytest.raises(ConfigError, match="roles.server.headcount: at most 100,000 people"):
        check_scenario(huge, Scenario())


# ------------------------------------------------------------------ numbers, merges, version
@pytest.mark.parametrize(
    ("mean", "said"),
    [
        (True, "parameter 'mean' must be a number, got True"),
        ("1.6", "parameter 'mean' must be a number, got '1.6' (text, in quotes: write the number"),
        ("fast", "parameter 'mean' must be a number, got 'fast'"),
    ],
)
def test_a_boolean_or_text_for_a_distribution_parameter_is_refused_naming_the_key(mean, said):
    """QA: 'mean: true' simulated a mean of 1 and 'mean: "1.6"' was read as 1.6."""
    spec = mmc()
    spec["steps"]["service"]["duration"]["mean"] = mean
    with pytest.raises(ModelError) as info:
        from_dict(spec, source="m.yaml")
    assert f"m.yaml: steps.service.duration: {said}" in str(info.value)


@pytest.mark.parametrize("key", ["p_zero", "multiplier"])
def test_a_boolean_for_p_zero_or_multiplier_is_refused(key):
    spec = mmc()
    spec["steps"]["service"]["duration"][key] = True
    with pytest.raises(ModelError, match=f"parameter '{key}' must be a number, got True"):
        from_dict(spec)


def test_numbers_of_every_yaml_spelling_are_still_numbers(tmp_path):
    """A number is taken as written, also in exponent form: '1e-1' is a number (YAML 1.2), not
    the text PyYAML's YAML 1.1 makes of it, which the parameter would now refuse."""
    from sim.model import load

    path = tmp_path / "m.yaml"
    text = MODEL_TEXT.replace("mean: 1.6", "mean: 16e-1").replace("mean: 1.0", "mean: 1")
    path.write_text(text, encoding="utf-8")
    model = load(path)
    assert model.steps["service"].duration.mean() == pytest.approx(1.6)
    assert model.arrivals.interarrival.mean() == 1.0
    huge = tmp_path / "huge.yaml"
    huge.write_text(text.replace("mean: 16e-1", "mean: 1e400"), encoding="utf-8")
    with pytest.raises(ModelError, match="parameter 'mean' must be finite, got inf"):
        load(huge)


MODEL_TEXT = """\
schema_version: 1
name: mmc
start: service
arrivals:
  interarrival: {dist: exponential, mean: 1.0}
roles:
  server: {headcount: 3}
steps:
  service: {role: server, duration: {dist: exponential, mean: 1.6}, next: done}
ends:
  done: {success: true}
"""


def test_a_merge_key_is_refused_saying_to_write_the_keys_out(tmp_path):
    from sim.model import load

    path = tmp_path / "m.yaml"
    path.write_text(
        MODEL_TEXT.replace(
            "  service: {role: server, duration: {dist: exponential, mean: 1.6}, next: done}\n",
            "  service: &base {role: server, duration: {dist: exponential, mean: 1.6}, next: b}\n"
            "  b: {<<: *base, next: done}\n",
        ),
        encoding="utf-8",
    )
    with pytest.raises(ModelError) as info:
        load(path)
    assert str(info.value) == (
        f"{path}: line 10: merge keys ('<<') are not supported; write the keys out in full"
    )


def test_a_merge_bomb_is_refused_at_once(tmp_path):
    """Ten levels of '<<: [*a, *a, ...]': PyYAML would copy 10**9 entries before any check."""
    from sim.model.safe_files import load_yaml

    lines = ["a0: &a0 {k0: 1, k1: 2}"]
    lines += [f"a{i}: &a{i} {{<<: [{', '.join([f'*a{i - 1}'] * 10)}]}}" for i in range(1, 10)]
    started = time.monotonic()
    with pytest.raises(ModelError, match="line 2: merge keys"):
        load_yaml("\n".join(lines), "bomb.yaml")
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(("written", "shown"), [('"1"', "the text '1'"), ("true", "True")])
def test_a_schema_version_that_is_not_the_number_1_says_so(tmp_path, written, shown):
    from sim.model import load

    path = tmp_path / "m.yaml"
    path.write_text(MODEL_TEXT.replace("schema_version: 1", f"schema_version: {written}"))
    with pytest.raises(ModelError) as info:
        load(path)
    assert str(info.value) == (
        f"{path}: schema_version must be the number 1, not {shown}; write schema_version: 1 "
        "(without quotes)"
    )


def test_a_name_spelled_like_a_number_in_exponent_form_survives_a_save_and_load(tmp_path):
    from sim.model import load, save

    spec = mmc()
    spec["steps"]["1e3"] = spec["steps"].pop("service")
    spec["start"] = "1e3"
    model = from_dict(spec)
    assert load(save(model, tmp_path / "m.yaml")) == model
