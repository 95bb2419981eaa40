#!/usr/bin/env bash
# Builds (and with --push, pushes) the four service images from deploy/system.yaml.
# Usage: deploy/docker/build-images.sh TAG [--registry REGISTRY] [--push]
set -euo pipefail
cd "$(dirname "$0")/../.."
tag="${1:?usage: build-images.sh TAG [--registry REGISTRY] [--push]}"; shift
registry=""; push=false
while [ $# -gt 0 ]; do
  case "$1" in
    --registry) registry="$2/"; shift 2 ;;
    --push) push=true; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
# Reads name, image, module, main and port of each service from system.yaml (a flat, regular file).
awk '/^services:/ {s=1; next} s && /^  [a-z]+:$/ {name=$1; sub(":","",name)}
     s && /^    image:/ {image=$2} s && /^    main:/ {main=$2} s && /^    module:/ {module=$2}
     s && /^    port:/ {print name, image, module, main, $2}' deploy/system.yaml |
while read -r name image module main port; do
  echo "building ${registry}${image}:${tag} (${module})"
  docker build -f deploy/docker/Dockerfile --build-arg MODULE="$module" --build-arg MAIN="$main" \
    --build-arg PORT="$port" -t "${registry}${image}:${tag}" .
  if $push; then docker push "${registry}${image}:${tag}"; fi
done
