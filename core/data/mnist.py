"""MNIST, read from the four standard IDX files in a directory the user provides.

Nothing is downloaded: the files must already be there (plain or gzipped).
"""

from __future__ import annotations

import functools
import gzip
import os
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from core.data.base import DataError, Dataset, DatasetInfo, int_param, register, targets_for_labels

IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
IMAGE_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions
LABEL_MAGIC = 0x00000801  # unsigned bytes, 1 dimension
SIDE = 28
N_TRAIN = 60000
N_TEST = 10000  # the file's test images
N_CLASSES = 10  # the digits 0-9
_FIELD = "data.name"  # MNIST has no file params; its files come with choosing it


def _needs(missing: str) -> DataError:
    names = ", ".join(IDX_FILES.values())
    return DataError(
        _FIELD,
        f"MNIST needs the four IDX files ({names}; each may end in .gz) "
        f"in the MNIST directory; set NNPLAY_MNIST_DIR to that "
        f"directory; missing: {missing}",
    )


def find_idx_files(mnist_dir: str | os.PathLike[str] | None) -> dict[str, Path]:
    """Paths of the four IDX files in mnist_dir (plain name preferred over .gz).

    Raises DataError("data.name", ...) saying which files are missing.
    """
    if mnist_dir is None:
        raise _needs("all four (no MNIST directory is set)")
    folder = Path(mnist_dir)
    if not folder.is_dir():
        raise _needs(f"all four ({folder} is not a directory)")
    found, missing = {}, []
    for key, stem in IDX_FILES.items():
        for candidate in (folder / stem, folder / f"{stem}.gz"):
            if candidate.is_file():
                found[key] = candidate
                break
        else:
            missing.append(f"{stem}[.gz]")
    if missing:
        raise _needs(", ".join(missing) + f" (in {folder})")
    return found


def read_idx(path: str | os.PathLike[str], magic: int) -> np.ndarray:
    """The uint8 array stored in one IDX file (gzipped when the name ends in .gz).

    `magic` is IMAGE_MAGIC (gives (count, rows, cols)) or LABEL_MAGIC (gives (count,)).
    Raises DataError when the file is unreadable, has another magic number, or its
    size does not match its header.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
        if path.suffix == ".gz":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:
        raise DataError(_FIELD, f"cannot read MNIST file {path}: {err}") from None
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(raw) < 4 or struct.unpack(">I", raw[:4])[0] != magic:
        found = f"0x{struct.unpack('>I', raw[:4])[0]:08x}" if len(raw) >= 4 else "none"
        raise DataError(
            _FIELD,
            f"MNIST file {path} is not an IDX file of the expected kind "
            f"(magic number {found}, expected 0x{magic:08x})",
        )
    if len(raw) < header:
        raise DataError(_FIELD, f"MNIST file {path} is cut short inside its header")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    if len(raw) - header != int(np.prod(shape, dtype=np.int64)):
        raise DataError(
            _FIELD,
            f"MNIST file {path} holds {len(raw) - header} bytes of data, "
            f"but its header says {'x'.join(map(str, shape))}",
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def _stamp(paths: dict[str, Path]) -> tuple[Any, ...]:
    # Re-read only when a file changes, yet parse a 50 MB set once for many sessions.
    return tuple(
        (key, str(p.resolve()), p.stat().st_mtime_ns, p.stat().st_size) for key, p in sorted(paths.items())
    )


@functools.lru_cache(maxsize=1)
def _read_cached(stamp: tuple[Any, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    paths = {key: Path(p) for key, p, _, _ in stamp}
    arrays = []
    for part in ("train", "test"):
        images = read_idx(paths[f"{part}_images"], IMAGE_MAGIC)
        labels = read_idx(paths[f"{part}_labels"], LABEL_MAGIC).astype(np.int64)
        if images.shape[1:] != (SIDE, SIDE):
            raise DataError(
                _FIELD, f"MNIST {part} images are {images.shape[1]}x{images.shape[2]}, expected {SIDE}x{SIDE}"
            )
        if images.shape[0] != labels.shape[0]:
            raise DataError(
                _FIELD, f"MNIST {part} files disagree: {images.shape[0]} images but {labels.shape[0]} labels"
            )
        if labels.size and labels.max() > 9:
            raise DataError(_FIELD, f"MNIST {part} labels must be 0..9, found {labels.max()}")
        labels.setflags(write=False)
        arrays += [images.reshape(-1, SIDE * SIDE), labels]
    if arrays[0].shape[0] == 0:
        raise DataError(_FIELD, "the MNIST training files hold no images")
    x_train, labels_train, x_test, labels_test = arrays
    return x_train, labels_train, x_test, labels_test


def read_mnist(mnist_dir: str | os.PathLike[str] | None) -> tuple[np.ndarray, ...]:
    """(train_pixels (N, 784) uint8, train_labels (N,) int64, test_pixels (M, 784),
    test_labels (M,)), read-only views of an in-process cache. Raises DataError."""
    return _read_cached(_stamp(find_idx_files(mnist_dir)))


def _load(
    p: dict[str, Any], rng: np.random.Generator, dtype: Any, mnist_dir: str | os.PathLike[str] | None
) -> Dataset:
    """x_train (n, 784) / x_test (M, 784) in [0, 1], y one-hot (., 10); the file's split."""
    train_x, train_labels, test_x, test_labels = read_mnist(mnist_dir)
    n = p["n"]
    if n is not None:
        if n > train_x.shape[0]:
            raise DataError(
                "data.n", f"must be at most {train_x.shape[0]} (the MNIST training images), got {n}"
            )
        rows = np.sort(rng.choice(train_x.shape[0], size=n, replace=False))
        train_x, train_labels = train_x[rows], train_labels[rows]
    scale = dtype.type(255)
    return Dataset(
        name=INFO.name,
        kind=INFO.kind,
        x_train=train_x.astype(dtype) / scale,
        y_train=targets_for_labels(train_labels, N_CLASSES).astype(dtype),
        x_test=test_x.astype(dtype) / scale,
        y_test=targets_for_labels(test_labels, N_CLASSES).astype(dtype),
        labels_train=train_labels.copy(),
        labels_test=test_labels.copy(),
        n_classes=N_CLASSES,
        domain=None,
        image_shape=(SIDE, SIDE),
        description=INFO.description,
    )


def _fixed_rows(p: dict[str, Any]) -> str | None:
    """Every training image and the file's split: nothing drawn, unless n picks some."""
    if p["n"] is not None:
        return None
    return "all of MNIST's images are used, in its standard split: nothing is drawn at random"


INFO = DatasetInfo(
    name="mnist",
    kind="classification",
    description="70,000 handwritten digits, 28x28 pixels each (60,000 to train on, "
    "10,000 to test); read from files you provide.",
    input_dim=SIDE * SIDE,
    params={
        "n": int_param(
            None,
            10,
            N_TRAIN,
            "How many of the training images to use, picked "
            "at random (unset = all); the test set is always "
            "all of it.",
            nullable=True,
        ),
    },
    n_classes=N_CLASSES,
)
register(
    INFO,
    _load,
    refusals={
        "test_fraction": "MNIST keeps its standard split (60,000 training, 10,000 test "
        "images); leave test_fraction unset",
        "noise": "MNIST images are real scans and take no noise",
    },
    fixed_rows=_fixed_rows,
)
