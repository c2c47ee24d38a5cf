"""What the page fetches from the server once at start, as the real routes answer: the
config's fields (GET /api/config/fields), the data sets (GET /api/datasets), and the
phases of a training step (core.run.PHASES, which the step request takes). Printed as one
JSON object for the node tests of the page's pure modules (tests/js/server.mjs runs it),
so that they test the rules on what the server says, never on a copy of it."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's code

from fastapi.testclient import TestClient  # noqa: E402

from app.main import create_app  # noqa: E402
from core.run import PHASES  # noqa: E402


def main() -> None:
    client = TestClient(create_app(), base_url="http://localhost")
    answers = {
        "fields": client.get("/api/config/fields").json(),
        "datasets": client.get("/api/datasets").json(),
        "phases": list(PHASES),
    }
    print(json.dumps(answers))


if __name__ == "__main__":
    main()
