"""The installed nnplay's version, as its package metadata says (what pip installed)."""

from importlib.metadata import PackageNotFoundError, version


def package_version() -> str:
    """The version of the installed distribution; "0+unknown" when run from a bare tree."""
    try:
        return version("nnplay")
    except PackageNotFoundError:
        return "0+unknown"
