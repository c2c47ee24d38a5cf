"""How a classifier does on a whole split: the confusion matrix and a gallery of rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from core.metrics import predicted_classes
from core.plain import plain

if TYPE_CHECKING:
    from core.run import Run


def evaluation(run: Run, split: str = "test", limit: int = 24) -> dict[str, Any] | None:
    """-> {"split", "rows", "classes", "accuracy", "confusion" (classes x classes counts,
    row = true class, column = predicted), "samples": first `limit` rows as {"index",
    "label", "predicted", "confidence", "inputs" (the data's own, before any features)},
    "image_shape"}; regression -> None.
    """
    data, seen = run.data, run.network_data
    x, labels = (data.x_test, data.labels_test) if split == "test" else (data.x_train, data.labels_train)
    fed = seen.x_test if split == "test" else seen.x_train  # x as the network sees it
    if data.n_classes is None or labels is None:
        return None
    classes = max(data.n_classes, run.sizes[-1] if run.sizes[-1] > 1 else 2)
    with np.errstate(all="ignore"):
        out = run.network.predict(fed) if len(x) else np.zeros((0, run.sizes[-1]))
    predicted = predicted_classes(out) if len(x) else np.zeros(0, dtype=np.int64)
    confusion = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    confidence = out.max(axis=1) if out.shape[1] > 1 else np.where(predicted == 1, out[:, 0], 1 - out[:, 0])
    shown = range(min(limit, len(x)))
    return plain(
        {
            "split": split,
            "rows": len(x),
            "classes": classes,
            "accuracy": float(np.mean(predicted == labels)) if len(x) else None,
            "confusion": confusion,
            "image_shape": data.image_shape,
            "samples": [
                {
                    "index": i,
                    "label": labels[i],
                    "predicted": predicted[i],
                    "confidence": confidence[i],
                    "inputs": x[i],
                }
                for i in shown
            ],
        }
    )
