"""A request's questions about a network: refused in the API's words, answered by the engine."""

import numpy as np
import pytest

from app import examine
from app.errors import APIError
from core.explain import MAX_EXPLAINED_ROWS, network_on
from core.frame import probe
from core.run import Run


def _refusal(call, *args) -> tuple[str, list]:
    with pytest.raises(APIError) as raised:
        call(*args)
    assert raised.value.status == 422 and raised.value.code == "invalid_input"
    return raised.value.message, raised.value.fields


def test_bad_numbers_are_refused_naming_the_field_and_the_reason():
    run = Run({"preset": "seed-2-3-1"})  # one probe row, 2-3-1
    assert _refusal(examine.forward, run, [[1, 2, 3]]) == (
        "inputs: every row needs 2 numbers",
        [{"field": "inputs", "reason": "every row needs 2 numbers"}],
    )
    assert _refusal(examine.forward, run, [[1, 2]], [[0, 1]])[1] == [
        {"field": "targets", "reason": "needs 1 rows of 1 numbers"}
    ]
    assert _refusal(examine.neuron, run, 3, 0, 0)[1] == [
        {"field": "layer", "reason": "must be between 1 and 2"}
    ]
    assert _refusal(examine.neuron, run, 1, 3, 0) == (
        "layer 1 has 3 units",
        [{"field": "unit", "reason": "must be below 3"}],
    )
    assert _refusal(examine.neuron, run, 1, 0, 1) == (
        "sample: there are 1 probe rows",
        [{"field": "sample", "reason": "must be below 1"}],
    )
    assert _refusal(examine.weight, run, 1, 2, 0, 0)[1] == [{"field": "i", "reason": "must be below 2"}]


def test_answers_are_the_engines_on_the_probe_rows():
    run = Run({"preset": "xor"})
    run.step(3)
    x, t = probe(run)
    assert len(x) == run.config["probe"]["size"]
    neuron = examine.neuron(run, 1, 1, 2)
    assert neuron["step"] == 3
    assert neuron["a"] == pytest.approx(float(run.network.forward(x[2:3])[0].a[0, 1]), abs=1e-12)
    weight = examine.weight(run, 2, 1, 0, 1)
    assert weight["samples"] == len(x) and weight["sample"] == 1
    answer = examine.forward(run, x.tolist(), t.tolist())
    np.testing.assert_allclose(answer["output"], run.network.forward(x)[-1].a, rtol=0, atol=1e-12)


def test_only_the_first_rows_are_worked_by_hand():
    run = Run({"preset": "xor"})
    x = run.data.x_train[: MAX_EXPLAINED_ROWS + 3]
    answer = network_on(run.network, run.loss, x, explain=True)
    assert len(answer["output"]) == len(x) and len(answer["explain"]) == MAX_EXPLAINED_ROWS
    assert [len(layer) for layer in answer["explain"][0]] == run.sizes[1:]
    assert "loss" not in answer and "explain" not in network_on(run.network, run.loss, x)
