#!/usr/bin/env bash
# Builds the one-folder desktop app with PyInstaller and packs it for users:
#   packaging/build.sh            -> dist/clickpay-desk-VERSION-linux-ARCH.tar.gz
# The archive holds the app folder, install.sh / uninstall.sh, the desktop entry, the AppStream
# metainfo and the icons. Then it checks the result: desktop-file-validate, appstreamcli
# validate --no-net, and the built app's --self-test (offscreen), and prints size and where it is.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
version=$("$python" -c 'import clickpay_desk; print(clickpay_desk.__version__)')
arch=$(uname -m)
name="clickpay-desk-$version-linux-$arch"
out="dist/$name"

"$python" -m PyInstaller --noconfirm --log-level WARN \
    --distpath build/pyinstaller/dist --workpath build/pyinstaller/work packaging/clickpay-desk.spec
rm -rf "$out" && mkdir -p "$out/icons"
cp -R build/pyinstaller/dist/clickpay-desk "$out/clickpay-desk"
cp packaging/linux/install.sh packaging/linux/uninstall.sh packaging/linux/clickpay-desk.desktop \
   packaging/linux/io.github.clickpay_desk.ClickPayDesk.metainfo.xml "$out/"
cp icons/clickpay-desk-*.png icons/clickpay-desk.svg "$out/icons/"
tar -C dist -czf "dist/$name.tar.gz" "$name"

echo "== checks"
if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate packaging/linux/clickpay-desk.desktop && echo "desktop entry: valid"
else
    echo "desktop-file-validate not installed (apt-get install desktop-file-utils): skipped"
fi
if command -v appstreamcli >/dev/null; then
    appstreamcli validate --no-net packaging/linux/*.metainfo.xml
else
    echo "appstreamcli not installed (apt-get install appstream): skipped"
fi
QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen} "$out/clickpay-desk/clickpay-desk" --self-test \
    --data-dir "$(mktemp -d)" || echo "SELF-TEST FAILED (a keyring failure is expected without a D-Bus session)"
echo "== built"
echo "app folder: $out/clickpay-desk ($(du -sh "$out/clickpay-desk" | cut -f1))"
echo "archive:    dist/$name.tar.gz ($(du -sh "dist/$name.tar.gz" | cut -f1))"
echo "install:    tar xzf dist/$name.tar.gz && $name/install.sh"
