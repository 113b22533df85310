# The one image behind migrate, api, worker, beat and inbound in compose.yaml.
# Install steps = tests/acceptance/installed.py: build the wheel without dependencies, install
# the locked dependencies (their own layer, rebuilt only when requirements.lock changes), then
# the wheel with --no-deps. Templates, migrations and alembic.ini travel inside the wheel.
FROM python:3.12-slim AS wheel
WORKDIR /src
COPY pyproject.toml setup.py MANIFEST.in README.md alembic.ini ./
COPY service ./service
COPY workers ./workers
COPY templates ./templates
COPY migrations ./migrations
RUN pip wheel --no-cache-dir --no-deps -w /dist .

FROM python:3.12-slim
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock
COPY --from=wheel /dist/ /tmp/dist/
RUN pip install --no-cache-dir --no-deps /tmp/dist/*.whl && rm -rf /tmp/dist
# Non-root; /app/var is the one writable place (beat's schedule and lock, the embedded demo).
# The DKIM key is mounted read-only as a secret (compose: /run/secrets/dkim_private_key).
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin newsdesk \
    && mkdir -p /app/var && chown newsdesk:newsdesk /app/var
USER newsdesk
WORKDIR /app/var
EXPOSE 8000 2525
CMD ["newsdesk", "api", "--host", "0.0.0.0", "--port", "8000"]
