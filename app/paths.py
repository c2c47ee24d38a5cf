"""Where the static files, the page templates and the lessons are: decided here, once.

An installed wheel carries them inside this package, in app/files/ (pyproject.toml maps the
repo's top-level static/, templates/ and lessons/ there). A checkout, run in place or
installed editable, has no app/files/: they are at the top of the repo, beside app/.
Found from this file, never from the working directory.
"""

from pathlib import Path

from fastapi.templating import Jinja2Templates

PACKAGE_DIR = Path(__file__).resolve().parent
_INSTALLED = PACKAGE_DIR / "files"
FILES_DIR = _INSTALLED if _INSTALLED.is_dir() else PACKAGE_DIR.parent

STATIC_DIR = FILES_DIR / "static"
TEMPLATES_DIR = FILES_DIR / "templates"
LESSONS_DIR = FILES_DIR / "lessons"
TEMPLATES = Jinja2Templates(directory=str(TEMPLATES_DIR))
