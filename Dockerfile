# One image for the API, the worker and the one-shot migration; the command picks the role.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY core ./core
COPY store ./store
COPY api ./api
COPY worker ./worker
COPY client ./client
COPY cli ./cli
COPY web ./web
COPY migrations ./migrations
COPY alembic.ini ./
RUN pip install --no-cache-dir .

RUN useradd --create-home syn0
USER syn0

EXPOSE 8000
CMD ["uvicorn", "api.app:app", "--host", "0.0.0.0", "--port", "8000", "--http", "api.server:HeadLimitedHttpTools"]
