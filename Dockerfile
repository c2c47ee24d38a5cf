# nnplay for a classroom: one container that serves the playground on port 8000.
#
#   docker build -t nnplay .
#   docker run -d -p 8000:8000 -v nnplay-data:/data -e NNPLAY_TEACHER_TOKEN=... nnplay
#   (or, with compose.yaml: export NNPLAY_TEACHER_TOKEN=...; docker compose up -d)
#
# Nothing is fetched at run time: plotly.js and the API docs' UI are served from installed packages.
# The image runs the wheel, as any user's `pip install` would: no source tree in it.

# --- build: the wheel, from the files it is made of ------------------------------------------
FROM python:3.11.17-slim-bookworm AS build

WORKDIR /src
COPY pyproject.toml README.md MANIFEST.in LICENSE ./
COPY app/ app/
COPY core/ core/
COPY static/ static/
COPY templates/ templates/
COPY lessons/ lessons/
RUN pip wheel --no-cache-dir --no-deps --wheel-dir dist .

# --- the image -------------------------------------------------------------------------------
FROM python:3.11.17-slim-bookworm

# pip installs as root into the image's own Python, on purpose: no warning about it.
# One BLAS thread per process: the server trains many small networks at once and starts
# frame-worker processes; more threads per process only fight over the same cores.
ENV NNPLAY_HOST=0.0.0.0 \
    NNPLAY_DATA_DIR=/data \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    OPENBLAS_NUM_THREADS=1 \
    OMP_NUM_THREADS=1 \
    MKL_NUM_THREADS=1

# tini is PID 1: it forwards docker stop's SIGTERM to the server and reaps the processes
# that exit under it (the frame workers the server starts).
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini=0.19.0-1+b3 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 nnplay \
 && useradd --system --uid 10001 --gid nnplay --no-create-home --shell /usr/sbin/nologin nnplay \
 && mkdir /data \
 && chown 10001:10001 /data

WORKDIR /srv/nnplay
# The dependencies, exactly as locked (versions and hashes), in a layer of their own: a change
# to the code rebuilds only the layer below. --no-deps: the lock already lists every package.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock

# The wheel itself, not editable; its static files, templates and lessons are inside it.
COPY --from=build /src/dist/ dist/
RUN pip install --no-cache-dir --no-deps dist/nnplay-*.whl

# Sessions' saved data; a named volume keeps it across restarts and upgrades.
VOLUME ["/data"]
# The user "nnplay" by number, so that orchestrators can tell it is not root (runAsNonRoot).
USER 10001:10001

EXPOSE 8000

# slim images have no curl: ask with Python's urllib; any error or a non-ok status fails.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import json, sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=4); sys.exit(0 if json.load(r).get('status') == 'ok' else 1)"]

ENTRYPOINT ["tini", "--"]
CMD ["nnplay", "serve", "--host", "0.0.0.0", "--port", "8000"]
