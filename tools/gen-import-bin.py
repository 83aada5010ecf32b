#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Write the binary import fixtures from the text ones (docs/importers.md).

The same two-cycle test as fixtures/import/*.{mpt,csv}, laid out as the
instruments' binary files are: BioLogic .mpr from biologic_cell.mpt (and
as a GCPL file lays it out: no current column, the charge each row adds,
half cycles, no cycle number; and as OCV does: time and Ewe alone). Run
from the repository root; the outputs are committed, this script says how
they were made.
"""
import struct

FX = "fixtures/import/"


def mpt_rows(path):
    with open(path, "rb") as f:
        lines = f.read().decode("latin-1").splitlines()
    nhdr = int(lines[1].split(":")[1])
    names = lines[nhdr - 1].rstrip("\t").split("\t")
    rows = []
    for ln in lines[nhdr:]:
        vals = [float(v.replace(",", ".")) for v in ln.rstrip("\t").split("\t")]
        rows.append(dict(zip(names, vals)))
    return rows


# (column id, struct format, mpt column name); flags first.
MPR_COLS = [
    (1, None, "mode"), (2, None, "ox/red"), (3, None, "error"),
    (21, None, "control changes"), (31, None, "Ns changes"),
    (65, None, "counter inc."),
    (131, "<H", "Ns"), (4, "<d", "time/s"), (5, "<f", "control/V/mA"),
    (6, "<f", "Ewe/V"), (8, "<f", "I/mA"), (7, "<d", "dq/mA.h"),
    (13, "<d", "(Q-Qo)/mA.h"), (462, "<f", "Temperature/\xb0C"),
    (498, "<d", "Q charge/mA.h"), (499, "<d", "Q discharge/mA.h"),
    (123, "<d", "Energy charge/W.h"), (124, "<d", "Energy discharge/W.h"),
    (24, "<d", "cycle number"),
]
FLAG_BITS = {"mode": 0, "ox/red": 2, "error": 3, "control changes": 4,
             "Ns changes": 5, "counter inc.": 7}
# GCPL's own columns (EC-Lab 11.50, as real GCPL files hold them).
GCPL_COLS = [
    (1, None, "mode"), (2, None, "ox/red"), (3, None, "error"),
    (21, None, "control changes"), (31, None, "Ns changes"),
    (65, None, "counter inc."),
    (131, "<H", "Ns"), (4, "<d", "time/s"), (7, "<d", "dq/mA.h"),
    (13, "<d", "(Q-Qo)/mA.h"), (5, "<f", "control/V/mA"),
    (6, "<f", "Ewe/V"), (211, "<d", "Q charge/discharge/mA.h"),
    (212, "<I", "half cycle"), (123, "<d", "Energy charge/W.h"),
    (124, "<d", "Energy discharge/W.h"),
    (125, "<d", "Capacitance charge/\xb5F"),
    (126, "<d", "Capacitance discharge/\xb5F"),
]
# OCV's: no current, no charge (the cell at rest).
OCV_COLS = [(1, None, "mode"), (4, "<d", "time/s"), (6, "<f", "Ewe/V")]
PEIS_COLS = [(32, "<f", "freq/Hz"), (37, "<f", "Re(Z)/Ohm"),
             (38, "<f", "-Im(Z)/Ohm")]


def mpr_module(short, long_, data, version, v2):
    hdr = b"MODULE" + short.ljust(10) + long_.ljust(25)
    if v2:  # EC-Lab 11.50 and later: a maximum length, then the length
        hdr += struct.pack("<IIII", 0xFFFFFFFF, len(data), version, 11)
    else:
        hdr += struct.pack("<II", len(data), version)
    return hdr + b"03/04/21" + data


def mpr_record(cols, row):
    out = b""
    flags = None
    for cid, fmt, name in cols:
        if fmt is None:
            if flags is None:
                flags = len(out)
                out += b"\0"
            v = int(row.get(name, 0)) << FLAG_BITS[name]
            out = out[:flags] + bytes([out[flags] | v]) + out[flags + 1:]
        else:
            v = row.get(name, 0.0)
            out += struct.pack(fmt, int(v) if fmt in ("<H", "<I") else v)
    return out


def write_mpr(path, cols, rows, data_version, v2):
    ids = b"".join(struct.pack("<H", c[0]) for c in cols)
    start = 406 if data_version == 3 else 405
    head = struct.pack("<IB", len(rows), len(cols)) + ids
    data = head.ljust(start, b"\0")
    data += b"".join(mpr_record(cols, r) for r in rows)
    log = bytearray(600)
    # 2021-03-04 10:00:00 UTC as an OLE date (days from 1899-12-30)
    log[465:473] = struct.pack("<d", 1614852000 / 86400 + 25569)
    settings = b"\x6c" + b"\0" * 99  # technique byte, then zeros
    with open(path, "wb") as f:
        f.write(b"BIO-LOGIC MODULAR FILE\x1a".ljust(48) + b"\0" * 4)
        f.write(mpr_module(b"VMP Set", b"VMP settings", settings, 0, v2))
        f.write(mpr_module(b"VMP data", b"VMP data", data, data_version, v2))
        f.write(mpr_module(b"VMP LOG", b"VMP LOG", bytes(log), 0, v2))


def gcpl_rows(rows):
    """dq: the current times the time since the row before; half cycle:
    one more at each change of the current's sign."""
    out, half, sign = [], 0, 0
    for k, r in enumerate(rows):
        g = dict(r)
        dt = r["time/s"] - rows[k - 1]["time/s"] if k else 0.0
        g["dq/mA.h"] = r["I/mA"] * dt / 3600
        s = (r["I/mA"] > 0) - (r["I/mA"] < 0)
        if s and sign and s != sign:
            half += 1
        sign = s or sign
        g["half cycle"] = half
        out.append(g)
    return out


def main():
    rows = mpt_rows(FX + "biologic_cell.mpt")
    write_mpr(FX + "biologic_cell.mpr", MPR_COLS, rows, 3, True)
    # An older file (v1 headers, data module 2) whose first rest holds a
    # PEIS: ten impedance rows, left out by the importer.
    peis = []
    for k in range(10):
        r = dict(rows[0])
        r.update({"time/s": 1.0 + k, "freq/Hz": 1e4 / 2 ** k,
                  "Re(Z)/Ohm": 0.05 + 0.001 * k, "-Im(Z)/Ohm": 0.002 * k,
                  "I/mA": 0.5 * (-1) ** k})
        peis.append(r)
    write_mpr(FX + "biologic_peis_cell.mpr", MPR_COLS + PEIS_COLS,
              rows[:1] + peis + rows[1:], 2, False)
    write_mpr(FX + "biologic_gcpl_cell.mpr", GCPL_COLS, gcpl_rows(rows), 3,
              True)
    write_mpr(FX + "biologic_ocv_cell.mpr", OCV_COLS,
              [r for r in rows if r["I/mA"] == 0][:6], 3, True)


if __name__ == "__main__":
    main()
