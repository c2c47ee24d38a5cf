"""The 8x8 handwritten digits shipped with the package (see DIGITS_LICENSE.txt)."""

from __future__ import annotations

import functools
import io
from typing import Any

import numpy as np

from core.data.base import (
    Dataset,
    DatasetInfo,
    fraction_param,
    int_param,
    make_dataset,
    register,
    targets_for_labels,
)

N_DIGITS = 1797
N_CLASSES = 10  # the digits 0-9
_FILE = "digits.csv.gz"
_MAX_PIXEL = 16.0


@functools.lru_cache(maxsize=1)
def _read_digits() -> tuple[np.ndarray, np.ndarray]:
    # Parsed once per process; read-only so no caller can spoil the cache for the next one.
    # gzip and importlib.resources (tempfile, shutil) imported here: only this set reads a file.
    import gzip
    from importlib import resources

    raw = resources.files("core.data").joinpath(_FILE).read_bytes()
    table = np.loadtxt(io.StringIO(gzip.decompress(raw).decode("ascii")), delimiter=",", dtype=np.uint8)
    if table.shape != (N_DIGITS, 65):
        raise RuntimeError(f"{_FILE} has shape {table.shape}, expected ({N_DIGITS}, 65)")
    pixels, labels = table[:, :64].copy(), table[:, 64].astype(np.int64)
    pixels.setflags(write=False)
    labels.setflags(write=False)
    return pixels, labels


def read_digits() -> tuple[np.ndarray, np.ndarray]:
    """All digits in file order: pixels (1797, 64) uint8 in 0..16, labels (1797,) int64.

    Fresh copies of an in-process cache, so callers may modify them.
    """
    pixels, labels = _read_digits()
    return pixels.copy(), labels.copy()


def _load(p: dict[str, Any], rng: np.random.Generator, dtype: Any, _mnist_dir: Any) -> Dataset:
    """x (n, 64) in [0, 1], y (n, 10) one-hot; n rows drawn at random when n < 1797."""
    pixels, labels = _read_digits()
    rows = np.arange(N_DIGITS) if p["n"] == N_DIGITS else rng.permutation(N_DIGITS)[: p["n"]]
    x = pixels[rows] / _MAX_PIXEL
    labels = labels[rows]
    return make_dataset(
        INFO,
        x,
        targets_for_labels(labels, N_CLASSES),
        labels,
        n_classes=N_CLASSES,
        test_fraction=p["test_fraction"],
        rng=rng,
        dtype=dtype,
        shuffle=True,
        image_shape=(8, 8),
    )


INFO = DatasetInfo(
    name="digits",
    kind="classification",
    description="1,797 small 8x8 pictures of handwritten digits 0-9: "
    "the network must say which digit each one shows.",
    input_dim=64,
    params={
        "n": int_param(
            N_DIGITS,
            10,
            N_DIGITS,
            "How many of the 1,797 images to use, picked at random (train and test together).",
        ),
        "test_fraction": fraction_param(0.2),
    },
    n_classes=N_CLASSES,
)


def _fixed_rows(p: dict[str, Any]) -> str | None:
    """Every image, none held back: the same rows under every data seed (in another order)."""
    if p["n"] < N_DIGITS or p["test_fraction"] > 0:
        return None
    return f"all {N_DIGITS:,} images are used, all of them training rows: nothing is drawn at random"


register(
    INFO,
    _load,
    refusals={"noise": "the digits are real scans and take no noise"},
    fixed_rows=_fixed_rows,
)
