#!/bin/sh
# Installs ClickPay Desk from this unpacked folder: for you alone under ~/.local (default), or
# for everyone under /opt with root (sudo ./install.sh --system). Every file it puts down is
# listed in the install's MANIFEST, and uninstall.sh removes exactly those, nothing else.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mode=user
[ "${1:-}" = "--system" ] && mode=system
if [ "$mode" = system ]; then
    [ "$(id -u)" -eq 0 ] || { echo "install.sh --system needs root: sudo $0 --system" >&2; exit 1; }
    prefix=/opt/clickpay-desk; share=/usr/local/share; bin=/usr/local/bin
else
    prefix=$HOME/.local/opt/clickpay-desk
    share=${XDG_DATA_HOME:-$HOME/.local/share}; bin=$HOME/.local/bin
fi
[ -x "$here/clickpay-desk/clickpay-desk" ] || { echo "run install.sh from the unpacked archive" >&2; exit 1; }

manifest="$prefix/MANIFEST"
if [ -f "$manifest" ]; then
    echo "Replacing the ClickPay Desk installed in $prefix"
    sh "$prefix/uninstall.sh" --keep-quiet
fi
mkdir -p "$prefix" "$bin" "$share/applications" "$share/metainfo"
cp -R "$here/clickpay-desk/." "$prefix/"
cp "$here/uninstall.sh" "$prefix/uninstall.sh"
files="$prefix"
put() {  # put SOURCE TARGET: copy one file and remember it
    mkdir -p "$(dirname "$2")"
    cp "$1" "$2"
    files="$files
$2"
}
ln -sf "$prefix/clickpay-desk" "$bin/clickpay-desk"
files="$files
$bin/clickpay-desk"
sed "s|^Exec=clickpay-desk|Exec=$prefix/clickpay-desk|; s|^TryExec=clickpay-desk|TryExec=$prefix/clickpay-desk|" \
    "$here/clickpay-desk.desktop" > "$here/.desktop.tmp"
put "$here/.desktop.tmp" "$share/applications/clickpay-desk.desktop"
rm -f "$here/.desktop.tmp"
put "$here/io.github.clickpay_desk.ClickPayDesk.metainfo.xml" "$share/metainfo/io.github.clickpay_desk.ClickPayDesk.metainfo.xml"
for png in "$here"/icons/clickpay-desk-*.png; do
    size=${png##*-}; size=${size%.png}
    put "$png" "$share/icons/hicolor/${size}x${size}/apps/clickpay-desk.png"
done
put "$here/icons/clickpay-desk.svg" "$share/icons/hicolor/scalable/apps/clickpay-desk.svg"
printf '%s\n' "$files" > "$manifest"

command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$share/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$share/icons/hicolor" || true

# Qt draws on X11 through a few xcb libraries that not every desktop has installed.
missing=$(LD_LIBRARY_PATH="$prefix/_internal:$prefix/_internal/PySide6/Qt/lib" \
    ldd "$prefix/_internal/PySide6/Qt/plugins/platforms/libqxcb.so" 2>/dev/null \
    | awk '/not found/ {print $1}' | sort -u | tr '\n' ' ')
echo "ClickPay Desk is installed in $prefix."
echo "Start it from your applications menu, or run: $bin/clickpay-desk --sandbox"
if [ -n "$missing" ]; then
    echo
    echo "On an X11 desktop Qt also needs these system libraries, not installed here: $missing"
    echo "Install them with: sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-render-util0 libxcb-image0 libxkbcommon-x11-0"
fi
echo "To remove it: $prefix/uninstall.sh"
