"""The config format: presets, merging, and a named error for every bad field."""

import pytest

from core.config import patch_config, resolve_config
from core.errors import ConfigError
from core.presets import PRESETS
from core.run import Run

BAD_FIELDS = [
    ({"foo": 1}, "foo", "unknown field"),
    ([1, 2], "config", "must be an object"),
    ({"preset": "nope"}, "preset", "unknown preset"),
    ({"preset": 3}, "preset", "unknown preset"),
    ({"layers": [2]}, "layers", "list of 2 to 10"),
    ({"layers": "2-3-1"}, "layers", "list of 2 to 10"),
    ({"layers": [2, 0, 1]}, "layers[1]", "must be in [1, 1024]"),
    ({"layers": [2, 2000, 1]}, "layers[1]", "must be in [1, 1024]"),
    ({"layers": [2, 1.5, 1]}, "layers[1]", "must be an integer"),
    ({"layers": [2] + [4] * 9 + [1]}, "layers", "up to 8 hidden layers"),
    ({"layers": [1024, 1024, 1024], "activations": ["relu", "linear"]}, "layers", "at most 1,000,000"),
    ({"activations": ["tanh"]}, "activations", "needs 3 entries"),
    ({"activations": ["tanh", "swish", "sigmoid"]}, "activations[1]", "must be one of"),
    ({"activations": ["softmax", "tanh", "sigmoid"]}, "activations[0]", "output layer only"),
    (
        {"layers": [2, 4, 1], "activations": ["tanh", "softmax"], "loss": "cce"},
        "activations",
        "at least 2 output",
    ),
    ({"bias": "yes"}, "bias", "true or false"),
    ({"loss": "hinge"}, "loss", "must be one of"),
    ({"loss": "cce"}, "loss", "needs a softmax output"),
    ({"activations": ["tanh", "tanh", "linear"]}, "loss", "bce needs a sigmoid output"),
    ({"init": {"scheme": "magic"}}, "init.scheme", "must be one of"),
    ({"init": {"scheme": "uniform", "low": 1, "high": 0}}, "init.high", "greater than init.low"),
    ({"init": {"scheme": "normal", "std": 0}}, "init.std", "must be in (0, 100]"),
    ({"init": {"scheme": "explicit"}}, "init.params", "needs a list"),
    ({"init": {"scheme": "xavier", "params": []}}, "init.params", "only used by the explicit"),
    ({"init": {"scheme": "xavier", "gain": 2}}, "init.gain", "unknown field"),
    ({"data": {"name": "nope"}}, "data.name", "unknown data set"),
    ({"data": {"name": "circle", "noise": 3}}, "data.noise", "between 0 and 0.5"),
    ({"data": {"name": "circle", "n": -5}}, "data.n", ""),
    ({"data": {"name": "circle", "colour": 1}}, "data.colour", "unknown field"),
    ({"data": "circle"}, "data", "must be an object"),
    ({"optimizer": {"name": "lbfgs"}}, "optimizer.name", "must be one of"),
    ({"optimizer": {"lr": 0}}, "optimizer.lr", "must be in (0, 100]"),
    ({"optimizer": {"lr": 101}}, "optimizer.lr", "must be in (0, 100]"),
    ({"optimizer": {"lr": float("nan")}}, "optimizer.lr", "finite"),
    ({"optimizer": {"lr": float("inf")}}, "optimizer.lr", "finite"),
    ({"optimizer": {"lr": "fast"}}, "optimizer.lr", "must be a number"),
    ({"optimizer": {"lr": True}}, "optimizer.lr", "must be a number"),
    ({"optimizer": {"momentum": 1}}, "optimizer.momentum", "must be in [0, 1)"),
    ({"optimizer": {"rho": -0.1}}, "optimizer.rho", "must be in [0, 1)"),
    ({"optimizer": {"beta1": 1.5}}, "optimizer.beta1", "must be in [0, 1)"),
    ({"optimizer": {"beta2": 1}}, "optimizer.beta2", "must be in [0, 1)"),
    ({"optimizer": {"eps": 0}}, "optimizer.eps", "must be in (0, 1]"),
    ({"optimizer": {"name": "perceptron"}}, "optimizer.name", "single layer with the step"),
    ({"gradient": {"method": "guess"}}, "gradient.method", "must be one of"),
    ({"gradient": {"epsilon": 0}}, "gradient.epsilon", "must be in (0, 1]"),
    ({"batch": {"size": 0}}, "batch.size", "must be in [1, 10000]"),
    ({"batch": {"order": "backwards"}}, "batch.order", "must be one of"),
    ({"regularization": {"kind": "l3"}}, "regularization.kind", "must be one of"),
    ({"regularization": {"rate": -1}}, "regularization.rate", "must be in [0, 10]"),
    ({"dtype": "float16"}, "dtype", "must be one of"),
    ({"seed": -1}, "seed", "must be in [0, 4294967295]"),
    ({"seed": "abc"}, "seed", "must be an integer"),
    ({"probe": {"size": 0}}, "probe.size", "must be in [1, 64]"),
    ({"metrics": {"every": -1}}, "metrics.every", "must be in [0, 100000]"),
]


@pytest.mark.parametrize("config,field,reason", BAD_FIELDS)
def test_every_bad_field_gets_a_named_error(config, field, reason):
    with pytest.raises(ConfigError) as error:
        resolve_config(config)
    fields = [e["field"] for e in error.value.errors]
    assert field in fields, error.value.errors
    assert reason in error.value.errors[fields.index(field)]["reason"]


DATA_DEPENDENT = [
    ({"preset": "xor", "layers": [3, 4, 1]}, "layers[0]", "the data has 2 inputs"),
    ({"preset": "xor", "layers": [2, 4, 3], "activations": ["tanh", "sigmoid"]}, "layers[2]", "1 target"),
    ({"preset": "xor", "batch": {"size": 500}}, "batch.size", "more than the 100 training rows"),
    (
        {"preset": "xor", "data": {"name": "inline", "inputs": [[1, 2]], "targets": [[5.0]]}},
        "loss",
        "bce needs targets between 0 and 1",
    ),
    (
        {"data": {"name": "plane"}, "layers": [2, 3], "activations": ["softmax"], "loss": "cce"},
        "loss",
        "cce needs class labels",
    ),
    ({"preset": "two-layer-mnist"}, "data.name", "NNPLAY_MNIST_DIR"),
    (
        {
            "preset": "seed-2-3-1",
            "init": {
                "scheme": "explicit",
                "params": [{"W": [[1, 2]], "b": None}, {"W": [[1], [2], [3]], "b": None}],
            },
        },
        "init.params[0].W",
        "must have shape [2, 3]",
    ),
]


@pytest.mark.parametrize("config,field,reason", DATA_DEPENDENT)
def test_checks_against_the_data_name_the_field(config, field, reason):
    with pytest.raises(ConfigError) as error:
        Run(config)
    fields = [e["field"] for e in error.value.errors]
    assert field in fields, error.value.errors
    assert reason in error.value.errors[fields.index(field)]["reason"]


ONE_SAMPLE = {"name": "inline", "inputs": [[1, 1]], "targets": [[0, 1]]}


@pytest.mark.parametrize(
    "loss,activation,targets,classes",
    [
        ("cce", "softmax", [[0, 1]], 2),  # one-hot, one class present
        ("cce", "softmax", [[0, 0, 1], [0, 0, 1]], 3),  # three classes, one present
        ("bce", "sigmoid", [[1]], 2),  # one 0/1 column, one class present
        ("bce", "sigmoid", [[0], [1]], 2),
    ],
)
def test_a_classification_loss_reads_0_1_or_one_hot_targets_as_classes(loss, activation, targets, classes):
    k = len(targets[0])
    inputs = [[1, 1], [0, 1]][: len(targets)]
    run = Run(
        {
            "layers": [2, k],
            "activations": [activation],
            "loss": loss,
            "data": {"name": "inline", "inputs": inputs, "targets": targets},
        }
    )
    assert run.data.kind == "classification" and run.data.n_classes == classes
    labels = [row.index(1) if k > 1 else row[0] for row in targets]
    assert run.data.labels_train.tolist() == labels
    run.step(2)
    assert run.metrics()["accuracy"]["train"] in (0.0, 0.5, 1.0)


def test_a_squared_error_on_one_class_stays_regression():
    run = Run({"preset": "seed-2-3-1"})  # the lesson's lone y = 0
    assert run.data.kind == "regression" and run.data.labels_train is None
    assert run.metrics()["accuracy"]["train"] is None


def test_a_batch_size_nobody_gave_is_capped_at_the_training_rows():
    run = Run({"layers": [2, 2], "activations": ["softmax"], "loss": "cce", "data": ONE_SAMPLE})
    assert run.config["batch"]["size"] == 1  # the default 10, capped
    run.step(3)
    # The capped size is what the config says, so a copy of it replays the same numbers.
    again = Run(run.config, resolved=True)
    again.step(3)
    assert [a.tobytes() for a in again.param_arrays()] == [a.tobytes() for a in run.param_arrays()]
    # A preset's batch size was not given by the user either.
    three = {"name": "inline", "inputs": [[0.0] * 64, [0.5] * 64, [1.0] * 64], "labels": [0, 1, 2]}
    keras = Run({"preset": "keras-mlp", "layers": [64, 512, 3], "data": three})
    assert keras.config["batch"]["size"] == 3


def test_a_batch_size_the_user_gave_is_still_checked():
    with pytest.raises(ConfigError) as error:
        Run(
            {
                "layers": [2, 2],
                "activations": ["softmax"],
                "loss": "cce",
                "data": ONE_SAMPLE,
                "batch": {"size": 10},
            }
        )
    assert error.value.errors == [{"field": "batch.size", "reason": "10 is more than the 1 training rows"}]


def test_a_preset_alone_is_a_whole_config_and_overrides_win():
    config = resolve_config({"preset": "seed-2-3-1", "optimizer": {"lr": 0.5}, "seed": 9})
    assert config["layers"] == [2, 3, 1] and config["bias"] is False
    assert config["optimizer"] == {**resolve_config({"preset": "seed-2-3-1"})["optimizer"], "lr": 0.5}
    assert config["seed"] == 9 and config["preset"] == "seed-2-3-1"
    assert config["data"]["test_fraction"] == 0.0  # the data set's defaults are filled in


@pytest.mark.parametrize(
    "change",
    [
        {"data": {"name": "spiral"}},
        {"data": {"noise": 0.3}},
        {"layers": [2, 8, 1]},
        {"activations": ["relu", "relu", "sigmoid"]},
        {"bias": False},
        {"loss": "mse"},
        {"init": {"scheme": "he"}},
    ],
)
def test_a_preset_with_another_network_or_data_is_no_longer_named(change):
    config = resolve_config({"preset": "xor", **change})
    assert config["preset"] is None
    Run(config)  # still the network that was asked for, only without the name


@pytest.mark.parametrize(
    "change",
    [
        {"optimizer": {"name": "adam", "lr": 0.3}},
        {"seed": 4},
        {"batch": {"size": 1}},
        {"regularization": {"kind": "l2", "rate": 0.01}},
        {"dtype": "float32"},
        {"gradient": {"method": "numeric-central"}},
        {"metrics": {"every": 5}},
        {"data": {"name": "xor", "noise": 0.0}},
        {"layers": [2, 4, 2, 1]},
    ],
)
def test_training_settings_and_values_equal_to_the_presets_keep_the_name(change):
    assert resolve_config({"preset": "xor", **change})["preset"] == "xor"


def test_new_random_weights_on_the_textbook_network_are_not_the_textbook_network():
    assert resolve_config({"preset": "seed-2-3-1", "seed": 3})["preset"] == "seed-2-3-1"
    assert resolve_config({"preset": "seed-2-3-1", "init": {"scheme": "explicit"}})["preset"] == "seed-2-3-1"
    reseeded = resolve_config({"preset": "seed-2-3-1", "seed": 3, "init": {"scheme": "xavier"}})
    assert reseeded["preset"] is None
    # Other data under the textbook weights: the weights stay, the name goes.
    other = resolve_config({"preset": "seed-2-3-1", "data": {"name": "gate-xor"}})
    assert other["preset"] is None and other["init"] == resolve_config({"preset": "seed-2-3-1"})["init"]


def test_resizing_a_preset_keeps_its_activations_and_drops_its_explicit_weights():
    config = resolve_config({"preset": "seed-2-3-1", "layers": [2, 5, 5, 1]})
    assert config["activations"] == ["sigmoid", "sigmoid", "linear"]
    assert config["init"]["scheme"] == "xavier" and config["init"]["params"] is None
    Run(config)


def test_a_shared_url_that_resizes_an_explicit_preset_falls_back_to_random_weights():
    config = resolve_config({"preset": "seed-2-3-1", "layers": [2, 4, 1], "init": {"scheme": "explicit"}})
    assert config["init"]["scheme"] == "xavier"
    same = resolve_config({"preset": "seed-2-3-1", "init": {"scheme": "explicit"}})
    assert same["init"]["params"][0]["W"] == [[0.8, 0.4, 0.3], [0.2, 0.9, 0.5]]


def test_changing_the_data_set_replaces_the_preset_data():
    config = resolve_config({"preset": "seed-2-3-1", "data": {"name": "gate-xor"}})
    assert "inputs" not in config["data"]
    Run(config)


@pytest.mark.parametrize("name", [p for p in PRESETS if "mnist" not in p])
def test_every_preset_builds_and_steps(name):
    run = Run({"preset": name})
    run.step(2)
    assert run.step_count == 2 and run.status == "paused"


def test_patch_only_touches_live_sections():
    config = resolve_config({"preset": "xor"})
    patched = patch_config(config, {"optimizer": {"lr": 0.05}, "batch": {"size": 20}})
    assert patched["optimizer"]["lr"] == 0.05 and patched["batch"]["size"] == 20
    assert config["optimizer"]["lr"] == 0.1  # the original is untouched
    for bad, field in (
        ({"bias": False}, "bias"),
        ({"seed": 3}, "seed"),
        ({"data": {"name": "circle"}}, "data"),
        ({"optimizer": {"lr": 1e999}}, "optimizer.lr"),
    ):
        with pytest.raises(ConfigError) as error:
            patch_config(config, bad)
        assert error.value.errors[0]["field"] == field
