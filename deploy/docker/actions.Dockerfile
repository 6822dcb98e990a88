# syntax=docker/dockerfile:1
# The image `moedeklar-actions`: the action server (`python -m actions`), with rasa-sdk and the
# store from requirements-actions.lock and without Rasa itself, as Rasa's own rasa-sdk image
# (tests/e2e/test_action_server_alone.py shows it runs so). It copies actions/, core/ and the
# data the actions read; never bot/.
#
# Build from the repository root (BuildKit reads actions.Dockerfile.dockerignore beside this file):
#   docker build -f deploy/docker/actions.Dockerfile -t moedeklar-actions:<version> .
#
# No secret is in the image: ACTION_SERVER_TOKEN and CASES_DB_URL come from the environment.

FROM python:3.10-slim-bookworm AS venv
RUN python -m venv /opt/venv
COPY requirements-actions.lock /tmp/requirements-actions.lock
RUN /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check "pip==24.0" \
 && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check -r /tmp/requirements-actions.lock \
 && /opt/venv/bin/pip check

FROM python:3.10-slim-bookworm
RUN groupadd --system --gid 1001 moedeklar \
 && useradd --system --uid 1001 --gid moedeklar --home-dir /home/moedeklar --create-home moedeklar
COPY --from=venv /opt/venv /opt/venv
WORKDIR /app
COPY actions/ actions/
COPY core/ core/
COPY data/ data/
COPY domain.yml ./
RUN /opt/venv/bin/python -m compileall -q actions core
ENV PATH=/opt/venv/bin:$PATH PYTHONPATH=/app
USER 1001:1001
EXPOSE 5055
# ACTION_HOST decides the interface (127.0.0.1 by default; a pod sets 0.0.0.0, see
# deploy/kubernetes/actions.yaml); the port is ACTION_PORT's default.
CMD ["python", "-m", "actions", "--port", "5055"]
