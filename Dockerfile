# One image for the API, the workers and the one-shot migration; the command picks
# the role. Built once by compose (the `migrate` service) and used by every syn0 service.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

# The dependencies first, in a layer of their own: a change to the source reuses it.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

# Then the source (.dockerignore keeps .venv, var/, .git and caches out), installed as
# the one package `syn0`. Only alembic.ini and migrations/ stay, in /app for `alembic
# upgrade`: a checkout's syn0/ folder in the working directory (which uvicorn and celery
# put first on sys.path) would shadow the installed package and its mapped subpackages.
COPY . /src
RUN pip install --no-deps /src && cp -r /src/alembic.ini /src/migrations . && rm -rf /src

# The metrics folder (SYN0_METRICS_DIR in docker-compose.yml) exists in the image, owned
# by syn0, so the named volume mounted there starts out writable by it.
RUN useradd --create-home syn0 && mkdir -p /var/lib/syn0/metrics && chown -R syn0 /var/lib/syn0
USER syn0

EXPOSE 8000
# The http protocol bounds request heads (SYN0_MAX_HEADER_BYTES; httptools alone has no bound).
CMD ["uvicorn", "--factory", "syn0.api.app:create_app", "--host", "0.0.0.0", "--port", "8000", "--http", "syn0.api.server:HeadLimitedHttpTools"]
