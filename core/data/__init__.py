"""The data sets a network can learn from, and `load_dataset` to load one from a config.

Importing this package registers every data set in DATASETS, in display order.
"""

# Importing a module registers its data sets, so this order is the display order; load
# comes last, as it imports mnist.
# isort: off
from core.data.base import DATASETS, DataError, Dataset, DatasetInfo, split_indices
from core.data import gates, planar, functions, regression, digits, mnist, inline, csv  # noqa: F401  (register)
from core.data.load import check_spec, load_dataset

__all__ = ["DATASETS", "DataError", "Dataset", "DatasetInfo", "check_spec", "load_dataset", "split_indices"]
