#!/usr/bin/env bash
# Benchmark: full training time (no cache reuse) of the NLU pipeline and policies.
# Usage: benchmarks/train_time.sh   (after `make install`); prints wall-clock seconds.
# Trains into a temporary folder with a temporary cache, so models/ and var/ stay untouched.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PYTHONPATH=$PWD RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 RASA_CACHE_DIRECTORY=$tmp/cache
start=$(date +%s.%N)
.venv/bin/rasa train --data data/nlu data/rules data/stories --config config.yml --domain domain.yml \
  --out "$tmp" --force >"$tmp/train.log" 2>&1 || { tail -20 "$tmp/train.log"; exit 1; }
end=$(date +%s.%N)
printf '{"full_training_seconds": %.1f, "cores": %s}\n' "$(.venv/bin/python -c "print($end - $start)")" "$(nproc)"
