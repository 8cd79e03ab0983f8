#!/bin/sh
# Removes what install.sh put down (listed in MANIFEST next to this script) and nothing else:
# your data, settings, logs and the keys in the keyring stay.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
manifest="$here/MANIFEST"
[ -f "$manifest" ] || { echo "no MANIFEST in $here: this is not an installed ClickPay Desk" >&2; exit 1; }
prefix=$(head -n 1 "$manifest")
[ "$prefix" = "$here" ] || { echo "MANIFEST does not belong to $here" >&2; exit 1; }
entry=$(grep -m1 '/applications/clickpay-desk.desktop$' "$manifest" || true)
tail -n +2 "$manifest" | while IFS= read -r file; do
    [ -n "$file" ] && rm -f -- "$file"
done
rm -rf -- "$prefix"
# The menu forgets the entry at once (otherwise at the next login).
if [ -n "$entry" ] && command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$(dirname "$entry")" || true
fi
[ "${1:-}" = "--keep-quiet" ] || echo "ClickPay Desk was removed. Your data and settings were kept."
