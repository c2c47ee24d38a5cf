"""Request bodies have a budget: over NNPLAY_MAX_BODY_BYTES, a 413 before the body is read
whole, whether it declares its length or comes in chunks; nothing is created."""

import json

from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

LIMIT = 4096


def client() -> TestClient:
    return TestClient(
        create_app(
            Settings(allowed_hosts=["testserver"], data_dir=None, frame_workers=0, max_body_bytes=LIMIT)
        )
    )


def padded(size: int) -> bytes:
    """A valid create body of about `size` bytes (a long preset-free field would be a 422)."""
    body = {"preset": "xor", "data": {"name": "inline", "inputs": [[0.5, 0.5]] * 1, "targets": [[1]]}}
    text = json.dumps(body)
    return (text[:-1] + " " * max(0, size - len(text)) + "}").encode()


def test_a_body_over_the_limit_is_refused_unread_and_makes_nothing():
    with client() as api:
        for chunked in (False, True):
            data = padded(LIMIT + 100)
            content = iter([data[:1000], data[1000:]]) if chunked else data
            response = api.post(
                "/api/sessions", content=content, headers={"content-type": "application/json"}
            )
            assert response.status_code == 413, (chunked, response.text)
            error = response.json()["error"]
            assert error["code"] == "too_large" and error["fields"][0]["field"] == "body"
            assert f"{LIMIT:,} bytes" in error["message"] and "NNPLAY_MAX_BODY_BYTES" in error["message"]
            assert response.headers["x-content-type-options"] == "nosniff"
        assert api.get("/api/health").json()["sessions"] == 0
        # Within the limit, the same kind of body is a session.
        small = api.post(
            "/api/sessions", content=padded(LIMIT - 100), headers={"content-type": "application/json"}
        )
        assert small.status_code == 201, small.text


def test_every_route_with_a_body_documents_the_413():
    with client() as api:
        schema = api.get("/openapi.json").json()
    with_body = [
        (path, method)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if "requestBody" in op
    ]
    assert with_body
    for path, method in with_body:
        assert "413" in schema["paths"][path][method]["responses"], (path, method)
