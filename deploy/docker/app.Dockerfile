# syntax=docker/dockerfile:1
# The image `moedeklar-app`: the Rasa server with its plug-ins, the citizens' web site, the
# caseworkers' review app and the operators' commands (`python -m bot migrate | send-reminders |
# purge`), from requirements.lock. One image, one command per role (deploy/kubernetes/,
# docs/deploy.md). The action server has its own image (actions.Dockerfile), as in Rasa's own
# split between rasa and rasa-sdk.
#
# Build from the repository root (BuildKit reads app.Dockerfile.dockerignore beside this file):
#   docker build -f deploy/docker/app.Dockerfile -t moedeklar-app:<version> .
#
# The trained model is built into the image at models/moedeklar.tar.gz, so a new model is a new
# image tag, rolled out one Rasa pod at a time. No secret is in the image: every secret comes
# from the environment when a container starts (core/settings.py, docs/security.md).

# --- the widget's socket.io client (bot/web serves node_modules/socket.io-client/dist) ---------
FROM node:20-bookworm-slim AS widget
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# --- the Python environment, exactly requirements.lock ---------------------------------------
FROM python:3.10-slim-bookworm AS venv
RUN python -m venv /opt/venv
COPY requirements.lock /tmp/requirements.lock
RUN /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check "pip==24.0" \
 && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check -r /tmp/requirements.lock \
 && /opt/venv/bin/pip check

# --- the Danish spaCy pipeline and the trained model (as `make train`) -----------------------
FROM venv AS model
WORKDIR /src
ENV PYTHONPATH=/src RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2
COPY core/ core/
COPY bot/ bot/
COPY data/ data/
COPY config.yml domain.yml ./
RUN /opt/venv/bin/python -m bot.rasa_plugins.nlu.build_spacy models/spacy_da
# The same training data as the Makefile's TRAIN_ARGS (tests/unit/test_deploy_files.py checks it).
RUN /opt/venv/bin/rasa train --data data/nlu data/rules data/stories --config config.yml --domain domain.yml \
    --fixed-model-name moedeklar --out models

# --- the image that runs ----------------------------------------------------------------------
FROM python:3.10-slim-bookworm
# A non-root user with a fixed id (as Rasa's own images: 1001), so a pod can run as non-root
# with a read-only root file system.
RUN groupadd --system --gid 1001 moedeklar \
 && useradd --system --uid 1001 --gid moedeklar --home-dir /home/moedeklar --create-home moedeklar
COPY --from=venv /opt/venv /opt/venv
WORKDIR /app
COPY core/ core/
COPY bot/ bot/
COPY migrations/ migrations/
COPY data/ data/
COPY config.yml domain.yml credentials.yml endpoints.yml ./
COPY --from=model /src/models/ models/
COPY --from=widget /src/node_modules/socket.io-client/dist/socket.io.min.js \
     node_modules/socket.io-client/dist/socket.io.min.js
RUN /opt/venv/bin/python -m compileall -q core bot migrations
# PATH: the venv first. PYTHONPATH: Rasa loads the plug-ins by module name (bot.rasa_plugins.*).
# MPLCONFIGDIR: Rasa imports matplotlib, which wants a writable folder (/tmp is the only one).
ENV PATH=/opt/venv/bin:$PATH PYTHONPATH=/app RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 \
    MPLCONFIGDIR=/tmp/matplotlib
USER 1001:1001
# Rasa writes its global config (~/.config/rasa/global.yml) once; written here, the root file
# system can stay read-only when the container runs.
RUN rasa telemetry disable
EXPOSE 5005 8080 8081
# The default role is a Rasa server on RASA_PORT's default; the others override the command.
CMD ["rasa", "run", "--model", "models/moedeklar.tar.gz", "--port", "5005", "--credentials", "credentials.yml", "--endpoints", "endpoints.yml", "--cors", "*"]
