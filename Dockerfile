# The Newsroom app: one image for the web processes, the projector and one-shot commands.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY newsroom ./newsroom
COPY projections ./projections
COPY web ./web
COPY newsroom_cli ./newsroom_cli
RUN pip install . && useradd --system --home-dir /app newsroom

USER newsroom
EXPOSE 8000
# Overridden per service in compose.yaml; on its own the image serves the API.
CMD ["newsroom", "serve", "--host", "0.0.0.0", "--port", "8000"]
