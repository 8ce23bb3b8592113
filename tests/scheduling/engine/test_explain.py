"""Explanations read a schedule without changing it."""

from __future__ import annotations

import json
from pathlib import Path
from random import Random

import pytest

from scheduling.engine import problem_from_dict
from scheduling.engine.explain import Explainer
from scheduling.engine.instance import Instance
from scheduling.engine.lns import place_pinned, seed_previous
from scheduling.engine.repair import Repair
from scheduling.engine.state import State

SAMPLES = Path(__file__).resolve().parents[4] / "shared" / "scheduling" / "samples"


def scheduled(name: str) -> State:
    """The sample's construction: pinned steps, kept previous ones, then regret insertion."""
    inst = Instance(problem_from_dict(json.loads((SAMPLES / f"{name}.json").read_text())))
    state = State(inst)
    place_pinned(state)
    seed_previous(state)
    state.undo_log = []
    Repair(state, Random(0)).run(range(inst.n_steps))
    state.undo_log = None
    return state


def picture(state: State) -> dict:
    """Everything a State holds, in comparable form."""
    return {
        name: [bytes(x) if isinstance(x, bytearray) else x for x in value]
        if isinstance(value, list)
        else value
        for name, value in vars(state).items()
        if name != "undo_log"
    }


@pytest.mark.skipif(not SAMPLES.exists(), reason="shared samples not available")
@pytest.mark.parametrize("name", ["sickleave", "groups"])
def test_explaining_every_step_leaves_the_schedule_it_explains_unchanged(name):
    state = scheduled(name)
    state.undo_log = log = []
    before = picture(state)
    explainer = Explainer(state)
    texts = [
        explainer.assignment(i) if state.step_start[i] >= 0 else explainer.unscheduled(i)
        for i in range(state.inst.n_steps)
    ]
    assert picture(state) == before
    assert state.undo_log is log and log == []  # nothing logged, logging still on
    # The explanations did look at alternatives (which takes steps out and back in).
    assert any(
        isinstance(t, str) and ("slipped" in t or "outside the preferred" in t) for t in texts
    )


@pytest.mark.skipif(not SAMPLES.exists(), reason="shared samples not available")
def test_explaining_twice_says_the_same():
    state = scheduled("sickleave")
    explainer = Explainer(state)
    placed = [i for i in range(state.inst.n_steps) if state.step_start[i] >= 0]
    first = [explainer.assignment(i) for i in placed]
    assert [explainer.assignment(i) for i in placed] == first
    assert [Explainer(state).assignment(i) for i in placed] == first


@pytest.mark.skipif(not SAMPLES.exists(), reason="shared samples not available")
def test_a_copy_of_a_schedule_holds_the_same_and_changes_apart():
    state = scheduled("groups")
    copy = state.copy()
    assert vars(copy).keys() == vars(state).keys()
    assert picture(copy) == picture(state)
    before = picture(state)
    i = next(i for i in range(state.inst.n_steps) if copy.step_start[i] >= 0)
    copy.remove(i)
    assert picture(state) == before
    assert copy.objective != state.objective
