# nnplay for a classroom: one container that serves the playground on port 8000.
#
#   docker build -t nnplay .
#   docker run -d -p 8000:8000 -v nnplay-data:/data nnplay     (or: docker compose up -d)
#
# Nothing is fetched at run time: plotly.js is served from the installed plotly package.
FROM python:3.11-slim

ENV NNPLAY_HOST=0.0.0.0 \
    NNPLAY_DATA_DIR=/data \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# app/paths.py finds static/ and templates/ beside the app package (its parent directory),
# so the source tree keeps the repo's layout and is installed editable: the code runs from
# /srv/nnplay, not from site-packages, and ../static and ../templates are where it looks.
WORKDIR /srv/nnplay
COPY pyproject.toml README.md ./
COPY app/ app/
COPY core/ core/
COPY static/ static/
COPY templates/ templates/

# Only the runtime dependencies (no test extra). The bytecode is compiled now because the
# non-root user cannot write __pycache__ into the root-owned tree at run time.
RUN pip install --no-cache-dir -e . \
 && python -m compileall -q app core \
 && groupadd --system --gid 10001 nnplay \
 && useradd --system --uid 10001 --gid nnplay --no-create-home --shell /usr/sbin/nologin nnplay \
 && mkdir /data \
 && chown 10001:10001 /data

# Sessions' saved data; a named volume keeps it across restarts and upgrades.
VOLUME ["/data"]
# The user "nnplay" by number, so that orchestrators can tell it is not root (runAsNonRoot).
USER 10001:10001

EXPOSE 8000

# slim images have no curl: ask with Python's urllib; any error or a non-ok status fails.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import json, sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=4); sys.exit(0 if json.load(r).get('status') == 'ok' else 1)"]

CMD ["nnplay", "serve", "--host", "0.0.0.0", "--port", "8000"]
