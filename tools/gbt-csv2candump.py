#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Convert a CAN analyser's CSV export (GBK text: index, frame id, mm:ss.d
time, type, description, content, length, hex bytes, a leading 0 sometimes dropped) to `candump -L`
lines with times from the first frame. Used for the real GB/T 27930
capture in fixtures/captures/ (docs/gbt27930.md, "Decoding a capture").

usage: tools/gbt-csv2candump.py IN.csv > OUT.log
"""
import csv
import sys


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="gbk", newline="") as f:
        rows = list(csv.reader(f))
    t0 = None
    for line, row in enumerate(rows[1:], start=2):
        try:
            mm, ss = row[2].split(":")
            t = int(mm) * 60 + float(ss)
            fid = int(row[1], 16)
            data = bytes(int(b, 16) for b in row[7].split())
        except (IndexError, ValueError) as e:
            sys.exit(f"{sys.argv[1]}:{line}: {e}")
        if len(data) != int(row[6]):
            sys.exit(f"{sys.argv[1]}:{line}: length {row[6]} but "
                     f"{len(data)} bytes")
        t0 = t if t0 is None else t0
        print(f"({t - t0:.6f}) can0 {fid:08X}#{data.hex().upper()}")


if __name__ == "__main__":
    main()
