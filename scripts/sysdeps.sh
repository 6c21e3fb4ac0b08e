#!/usr/bin/env bash
# System packages pip cannot bring. As root, install what is missing with apt; otherwise say
# exactly what to run.  Usage: scripts/sysdeps.sh runtime|browser|tools
set -u
what=${1:-runtime}

have_harfbuzz_subset() {
  ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset\.so\.0' ||
    dpkg -s libharfbuzz-subset0 >/dev/null 2>&1
}
have_chromium() { [ -x /usr/bin/chromium ]; }
have_poppler() { command -v pdffonts >/dev/null && command -v pdfsig >/dev/null; }

install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo ">> installing $* with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  else
    return 1
  fi
}

case "$what" in
  runtime)
    if ! have_harfbuzz_subset; then
      install libharfbuzz-subset0 || {
        echo "!! libharfbuzz-subset0 is missing (PDF rendering would take ~13 s per page without it)."
        echo "!! Run:  sudo apt-get install -y libharfbuzz-subset0"
        exit 1
      }
    fi
    ;;
  browser)
    if ! have_chromium; then
      install chromium fonts-noto-cjk || {
        echo "!! Chromium is missing: the browser tests (tests/e2e) will be SKIPPED."
        echo "!! To run them:  sudo apt-get install -y chromium fonts-noto-cjk"
        exit 0
      }
    fi
    ;;
  tools)
    # pdffonts, pdftotext, pdftoppm and pdfsig check the rendered and signed documents in tests
    if ! have_poppler; then
      install poppler-utils || {
        echo "!! poppler-utils is missing: the PDF checks (tests/documents) will be SKIPPED."
        echo "!! To run them:  sudo apt-get install -y poppler-utils"
        exit 0
      }
    fi
    ;;
  *) echo "usage: $0 runtime|browser|tools" >&2; exit 2 ;;
esac
