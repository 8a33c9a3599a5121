# Production image: `cargotool serve` behind a reverse proxy, with Redis and PostgreSQL (docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY cargotool ./cargotool
RUN pip install . && useradd --create-home --uid 10001 cargotool

USER cargotool
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)" || exit 1
# Several workers need REDIS_URL (set in docker-compose.yml).
CMD ["sh", "-c", "exec cargotool serve --host 0.0.0.0 --port 8000 --workers ${WORKERS:-2}"]
