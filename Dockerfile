# syntax=docker/dockerfile:1
# certreg: installed from requirements.lock (every package pinned with its hash, wheels only, so nothing is
# compiled and no compiler is in either stage) into a virtual environment that the runtime stage copies.
# The runtime stage runs as an unprivileged user. It serves the all-in-one app by default; the compose file
# runs the same image as the verify-only service and as the one-off migration job (docs/operations.md).

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
RUN python -m venv /opt/certreg
COPY requirements.lock requirements-build.lock ./
RUN /opt/certreg/bin/pip install --require-hashes --only-binary=:all: --no-deps -r requirements.lock
# the build backend pyproject.toml asks for (setuptools>=77), hash-pinned too, in a venv of its own: the image's
# venv comes with setuptools 65, which can neither read the SPDX license nor build a wheel without `wheel`
RUN python -m venv /opt/build \
    && /opt/build/bin/pip install --require-hashes --only-binary=:all: --no-deps -r requirements-build.lock
COPY pyproject.toml README.md ./
COPY keys ./keys
COPY registry ./registry
COPY verify ./verify
COPY issuer ./issuer
# our own package only (its dependencies are all above, hash-checked): a wheel built by the pinned backend
RUN /opt/build/bin/pip wheel --no-deps --no-build-isolation --wheel-dir /tmp/dist . \
    && /opt/certreg/bin/pip install --no-deps /tmp/dist/certreg-*.whl \
    && /opt/certreg/bin/pip check

FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/certreg/bin:$PATH
RUN groupadd --system certreg && useradd --system --gid certreg --home-dir /srv/certreg --create-home certreg \
    && install -d -o certreg -g certreg -m 0700 /srv/certreg/keys
COPY --from=build /opt/certreg /opt/certreg
USER certreg
WORKDIR /srv/certreg
ENV CERTREG_KEY_DIR=/srv/certreg/keys \
    CERTREG_WORKERS=4 \
    CERTREG_APP=issuer.asgi:app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health/live').status != 200)"
# granian reads no proxy header (the app decides, by CERTREG_TRUSTED_PROXIES); the metrics of all workers meet
# in a fresh directory of this container's run. Migrations are the migration job's, never the app's.
CMD ["sh", "-c", "export PROMETHEUS_MULTIPROC_DIR=$(mktemp -d /tmp/certreg-metrics-XXXXXX) && exec granian --interface asgi --host 0.0.0.0 --port 8000 --workers ${CERTREG_WORKERS} ${CERTREG_APP}"]
