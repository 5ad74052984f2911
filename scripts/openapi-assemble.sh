#!/usr/bin/env bash
# openapi.yaml is assembled from openapi/*.yaml in name order, so that each surface keeps
# its paths (NN-paths-<surface>.yaml, 10..79) and schemas (8N-schemas-<surface>.yaml) in
# its own file. `make openapi.yaml` writes it; `make test` fails when it is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "# GENERATED from openapi/*.yaml by scripts/openapi-assemble.sh: edit those files, then run 'make openapi.yaml'."
for f in $(ls openapi/*.yaml | sort); do cat "$f"; done
