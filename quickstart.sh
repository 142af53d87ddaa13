#!/usr/bin/env bash
# Set up everything cmikg needs on a fresh machine, then either build and serve the graph
# or run the whole test suite.
#
#   bash quickstart.sh serve [cmikg serve options]   build the graph, serve it on 127.0.0.1:8000
#   bash quickstart.sh test  [pytest options]        install test tools and run every test
#   bash quickstart.sh map                           regenerate the map's outlines from world-atlas
#
# Python packages go into ./.venv. Java (for the HermiT reasoner) and, for the tests,
# Chromium with its driver are installed from the system's package manager when missing.
set -euo pipefail
cd "$(dirname "$0")"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
  echo "quickstart: need root (or sudo) to run: $*" >&2; return 1; fi; }

apt_install() {
  command -v apt-get >/dev/null || { echo "quickstart: please install: $*" >&2; return 1; }
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

need_java() { command -v java >/dev/null || apt_install default-jre-headless; }
need_browser() {
  command -v chromium >/dev/null && command -v chromedriver >/dev/null || apt_install chromium chromium-driver
}

# The map's outlines are converted from world-atlas (npm) into src/cmikg/static/world/, which is
# committed; the tests check that file is what the converter makes of the installed package.
need_map_sources() {
  command -v npm >/dev/null || apt_install npm
  [ -f /usr/share/iso-codes/json/iso_3166-1.json ] || apt_install iso-codes
  [ -f .tools/node_modules/world-atlas/package.json ] || npm install --silent --no-fund --no-audit --prefix .tools world-atlas@2.0.2 >/dev/null
}

venv() {
  [ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
  # shellcheck disable=SC1091
  . .venv/bin/activate
  python -m pip install -q --upgrade pip >/dev/null
  python -m pip install -q -e "$1"
}

case "${1:-}" in
  serve)
    shift; need_java; venv .
    cmikg build
    exec cmikg serve "$@" ;;
  test)
    shift; need_java; need_browser; need_map_sources; venv '.[test]'
    # Lint, format and types are part of the test: any of them failing fails CI like a failing test.
    # (one command a line: under set -e, a failure inside an && list would not stop the script)
    ruff check .
    ruff format --check .
    mypy
    # Everything the tests need is installed above, so a missing prerequisite fails, never skips.
    export CMIKG_STRICT=1
    set +e; python -m pytest "$@"; status=$?; set -e
    # pytest's 5 means "no tests ran": that is a failure, not a pass.
    [ "$status" = 5 ] && { echo "quickstart: no tests were collected" >&2; exit 1; }
    exit "$status" ;;
  map)
    need_map_sources; venv .
    exec python -m cmikg.web.content.world_shapes .tools/node_modules/world-atlas ;;
  *)
    echo "usage: bash quickstart.sh serve|test|map [options]" >&2; exit 2 ;;
esac
