"""The data sets a network can learn from, and `load_dataset` to load one from a config.

Importing this package registers every data set in DATASETS, in display order.
"""

from core.data.base import DATASETS, Dataset, DataError, DatasetInfo, split_indices
from core.data import gates, planar, regression, digits, mnist, inline  # noqa: F401  (register)
from core.data.load import check_spec, load_dataset

__all__ = ["DATASETS", "DataError", "Dataset", "DatasetInfo", "check_spec", "load_dataset", "split_indices"]
