"""Where the templates and static files are, found from this file, not the working directory."""
from pathlib import Path

from fastapi.templating import Jinja2Templates

ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = ROOT / "static"
TEMPLATES_DIR = ROOT / "templates"
TEMPLATES = Jinja2Templates(directory=str(TEMPLATES_DIR))
