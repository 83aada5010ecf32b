#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Render an HTML report in headless Chromium and check the screenshot shows
# plots: the PNG decodes, has the window's size, many colours and enough
# ink. Usage: tools/report-screenshot.sh REPORT.html [OUT.png]
# Fails loudly (exit 2) if chromium is missing: the check must not pass
# silently on a machine that cannot run it.
set -e
html=$1
png=${2:-${html%.html}.png}
[ -f "$html" ] || { echo "report-screenshot: no such file: $html" >&2; exit 2; }
command -v chromium >/dev/null 2>&1 || {
	echo "report-screenshot: chromium not installed (apt-get install chromium)" >&2
	exit 2
}
prof=$(mktemp -d)
trap 'rm -rf "$prof"' EXIT
abs=$(cd "$(dirname "$html")" && pwd)/$(basename "$html")
rm -f "$png"
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic \
	--no-first-run --disable-background-networking --disable-component-update \
	--disable-sync --user-data-dir="$prof" --screenshot="$png" \
	--window-size=1200,2400 "file://$abs" >/dev/null 2>&1 || true
[ -s "$png" ] || { echo "report-screenshot: chromium wrote no screenshot" >&2; exit 1; }
python3 - "$png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat, w = 8, b'', 0
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
bpp = {2: 3, 6: 4}[ctype]
raw, stride = zlib.decompress(idat), w * bpp
prev, rows, off = bytearray(stride), [], 0
for y in range(h):
    f, line = raw[off], bytearray(raw[off + 1:off + 1 + stride])
    off += 1 + stride
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(bytes(line))
    prev = line
colours, ink, total = set(), 0, 0
for y in range(0, h, 3):
    r = rows[y]
    for x in range(0, w, 3):
        px = r[x * bpp:x * bpp + 3]
        colours.add(px)
        total += 1
        ink += px != b'\xff\xff\xff'
frac = ink / total
print('%dx%d, %d colours, %.1f %% ink' % (w, h, len(colours), 100 * frac))
if w != 1200 or h != 2400 or len(colours) < 16 or frac < 0.03:
    print('report-screenshot: the page looks blank or plotless')
    sys.exit(1)
print('screenshot ok')
PY
