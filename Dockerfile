# The one image behind api, worker, beat and migrate in compose.yaml.
FROM python:3.12-slim
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY service ./service
COPY workers ./workers
COPY templates ./templates
COPY migrations ./migrations
RUN pip install --no-cache-dir .
ENV PYTHONUNBUFFERED=1
USER nobody
CMD ["newsdesk", "api", "--host", "0.0.0.0", "--port", "8000"]
