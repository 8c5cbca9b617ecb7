# syntax=docker/dockerfile:1
# Multi-stage image of certreg: wheels are built in the first stage, the runtime stage holds only the
# installed package and runs as an unprivileged user under granian with several workers.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY keys ./keys
COPY registry ./registry
COPY verify ./verify
COPY issuer ./issuer
RUN pip wheel --wheel-dir /wheels .

FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN groupadd --system certreg && useradd --system --gid certreg --home-dir /srv/certreg --create-home certreg
COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl && rm -rf /wheels \
    && install -d -o certreg -g certreg -m 0700 /srv/certreg/keys
USER certreg
WORKDIR /srv/certreg
ENV CERTREG_KEY_DIR=/srv/certreg/keys \
    CERTREG_WORKERS=4
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health/live').status != 200)"
# The all-in-one service (issuer + verify). A verify-only replica runs `verify.asgi:app` instead.
CMD ["sh", "-c", "certreg db upgrade && exec granian --interface asgi --host 0.0.0.0 --port 8000 --workers ${CERTREG_WORKERS} issuer.asgi:app"]
