"""The Choice state (its rules are evaluated by engine/choice.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..._json import MISSING
from ...asl import model as m
from .. import choice as choice_rules
from .. import dataflow as df
from ..scope import Scope, Visit, assign, commit
from .common import exit_state, finish_simple, jsonata_states

if TYPE_CHECKING:
    from ..run import Run


def run_choice(
    run: Run, state: m.ChoiceState, visit: Visit, raw: Any, scope: Scope
) -> tuple[Any, str | None]:
    """Go to the Next of the first rule that matches, or to the Default."""
    if state.is_jsonata:
        states = jsonata_states(visit, raw)
        for rule in state.choices:
            cond = rule.condition
            if type(cond) is m.TConst:
                matched = cond.value is True
            else:
                value = df.evaluate(cond, raw, visit, states)
                if not isinstance(value, bool):
                    df.expect_type(value, "boolean", cond)  # type: ignore[arg-type]
                matched = value is True
            if matched:
                output_t = rule.output
                assign_t = rule.assign
                output = raw if output_t is MISSING else df.evaluate(output_t, raw, visit, states)
                assigned = assign(assign_t, visit, raw, states)
                commit(run, scope, assigned)
                exit_state(run, visit, output, assigned)
                return output, rule.next
    else:
        effective = df.apply_input_path(state.input_path, raw, visit)
        for rule in state.choices:
            if choice_rules.evaluate_condition(rule.condition, effective, visit):
                assign_t = rule.assign
                assigned = assign(assign_t, visit, effective, None)
                output = df.apply_output_path(state.output_path, effective, visit)
                commit(run, scope, assigned)
                exit_state(run, visit, output, assigned)
                return output, rule.next
    if isinstance(state.default, str):
        return finish_simple(
            run, state, visit, raw, df.apply_input_path(state.input_path, raw, visit), scope
        )[0], state.default
    raise df.runtime_error("No Choice Rule matched and no Default was specified.", "States.NoChoiceMatched")
