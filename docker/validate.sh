#!/usr/bin/env bash
# Static checks of the container files; no Docker engine needed. Exit status non-zero when invalid.
#
#   bash docker/validate.sh
#
# 1. docker/compose.yml
#    - `docker compose config -q` when the compose plugin is installed (it needs no engine);
#    - otherwise the same Compose Specification JSON schema that docker compose embeds, vendored in
#      docker/validate/compose-spec.schema.json, checked with ajv (root devDependencies `ajv`, `yaml`);
#    - always: docker/validate/compose.cjs wiring checks against packages/kernel/src/catalog.ts
#      (and the authentication keys of docker/validate/auth-keys.cjs).
# 2. docker/Dockerfile: docker/validate/dockerfile.cjs (COPY sources exist and are not
#    .dockerignored, stages, non-root USER, HEALTHCHECK, CMD, npm/node versions); plus hadolint
#    when it is on PATH.
# 3. docker/k8s/: docker/validate/k8s.cjs (Kubernetes 1.27 schemas of the npm package
#    kubernetes-models, unknown fields rejected; probes, resources, maxUnavailable 0, selectors,
#    HPA targets, the router's PDB, stores and URLs against the kernel catalog and compose, the
#    authentication keys of docker/validate/auth-keys.cjs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

compose_file=docker/compose.yml
status=0

echo "--- compose: ${compose_file}"
if docker compose version >/dev/null 2>&1; then
  echo "docker compose $(docker compose version --short 2>/dev/null || true): config -q"
  if docker compose -f "${compose_file}" config -q; then
    schema=skip
  else
    echo "docker compose config rejected ${compose_file}" >&2
    status=1
    schema=skip
  fi
else
  echo "docker compose plugin not available: using the vendored compose-spec JSON schema"
  schema=required
fi
node docker/validate/compose.cjs --schema="${schema}" "${compose_file}" || status=1

echo "--- Dockerfile: docker/Dockerfile"
node docker/validate/dockerfile.cjs docker/Dockerfile || status=1
if command -v hadolint >/dev/null 2>&1; then
  hadolint --failure-threshold error docker/Dockerfile || status=1
fi

echo "--- Kubernetes: docker/k8s"
node docker/validate/k8s.cjs docker/k8s || status=1

if [[ ${status} -ne 0 ]]; then
  echo "docker/validate.sh: FAILED" >&2
else
  echo "docker/validate.sh: OK"
fi
exit "${status}"
