# The app image: `cargotool serve` (migrations first), meant to run behind a reverse proxy with Redis and
# PostgreSQL — see docker-compose.yml and README "Deployment". Not built on the development machine (no
# Docker engine there); tests/integration/test_packaging.py checks the wheel `pip install .` makes here.
FROM python:3.11-slim

# PROMETHEUS_MULTIPROC_DIR: where the workers keep their metrics; `serve` empties it at every start.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/cargotool-metrics

WORKDIR /src
COPY pyproject.toml README.md requirements-runtime.lock ./
COPY cargotool ./cargotool
# The locked versions (make lock), then the package itself without resolving anything again.
RUN pip install -r requirements-runtime.lock && pip install --no-deps . && rm -rf /src \
    && useradd --create-home --uid 10001 cargotool

# A writable working directory: the embedded defaults (SQLite file, token file) land here when the
# image runs alone; with compose, Redis and PostgreSQL hold everything.
USER cargotool
WORKDIR /home/cargotool
EXPOSE 8000
# Liveness only (the process answers); readiness (Redis and the database) is /readyz, used by compose.
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)" || exit 1
# WORKERS > 1 needs REDIS_URL (serve refuses otherwise); compose sets both.
CMD ["sh", "-c", "exec cargotool serve --host 0.0.0.0 --port 8000 --workers ${WORKERS:-1}"]
