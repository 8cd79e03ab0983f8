#!/usr/bin/env bash
# Set-up and entry point for a fresh Debian/Ubuntu machine with Python 3.11+.
#   packaging/dev.sh run   [app args]  install what is needed, start the app on the built-in sandbox
#   packaging/dev.sh test  [pytest args] install test dependencies, run ruff, mypy and the whole suite
#   packaging/dev.sh sandbox [args]     install, start the sandbox gateway as a real HTTP server
#   packaging/dev.sh package            install, build the desktop app and its .tar.gz (packaging/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-run}
shift || true

# Qt (offscreen and xcb) and the keyring need these; tests also need a D-Bus session and
# gnome-keyring's Secret Service so the keyring tests use a real backend.
QT_PKGS="libegl1 libgl1 libfontconfig1 libxkbcommon0 libdbus-1-3 fonts-dejavu-core"
XCB_PKGS="libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-render-util0 libxcb-image0"
# poppler-utils: pdftoppm renders printed invoices so the tests can decode their QR codes.
TEST_PKGS="dbus-daemon gnome-keyring desktop-file-utils appstream poppler-utils"

ensure_apt() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "Installing system packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

ensure_venv() {
    local extra=$1
    local stamp=".venv/.installed-$extra"
    if [ ! -x .venv/bin/python ]; then
        python3 -m venv .venv
    fi
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        .venv/bin/python -m pip install -q --upgrade pip
        if [ "$extra" = base ]; then
            .venv/bin/python -m pip install -q -e .
        else
            .venv/bin/python -m pip install -q -e ".[$extra]"
        fi
        touch "$stamp"
    fi
}

case "$mode" in
    run)
        ensure_apt $QT_PKGS $XCB_PKGS
        ensure_venv base
        exec .venv/bin/clickpay-desk --sandbox "$@"
        ;;
    sandbox)
        ensure_venv base
        exec .venv/bin/clickpay-desk-sandbox "$@"
        ;;
    test)
        ensure_apt $QT_PKGS $TEST_PKGS
        ensure_venv test
        export PATH="$PWD/.venv/bin:$PATH"
        export QT_QPA_PLATFORM=offscreen
        echo "== ruff";  ruff check clickpay_desk tests benchmarks
        echo "== mypy";  mypy clickpay_desk
        echo "== pytest"
        # A throw-away HOME and D-Bus session with an unlocked gnome-keyring: the keyring
        # tests talk to a real Secret Service, and nothing touches the user's own keyring.
        home=$(mktemp -d)
        HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_CONFIG_HOME="$home/.config" \
            dbus-run-session -- sh -c '
                printf %s ci-keyring-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null
                exec pytest "$@"' pytest "$@"
        ;;
    package)
        ensure_apt $QT_PKGS $XCB_PKGS desktop-file-utils appstream  # xcb: bundled into the build
        ensure_venv test
        exec packaging/build.sh
        ;;
    *)
        echo "usage: packaging/dev.sh run|test|sandbox|package [args]" >&2
        exit 2
        ;;
esac
