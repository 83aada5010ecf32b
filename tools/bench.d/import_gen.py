#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Write a large import benchmark input: import_gen.py FORMAT ROWS OUT.

The header of fixtures/import/ for FORMAT, then ROWS records of a
synthetic cycling test (rest, CC charge, rest, CC discharge; 10 s
records, 100 per step) whose counters, times and capacities agree, so
`bench import` reads it as a real test. biologic_mpr is written by
tools/gen-import-bin.py's writer; neware_nda repeats the real BTS 9.1
file's records with their index, clock and cycle moved on. Run from the
repository root.
"""
import importlib.util
import struct
import sys
import time

FX = "fixtures/import/"
DT_S = 10.0
PER_STEP = 100
T0 = 1614852000  # 2021-03-04 10:00:00 UTC, the fixtures' start
# schedule step: (name, current A, start V, end V)
STEPS = [("Rest", 0.0, 3.2, 3.2), ("CC Chg", 1.0, 3.2, 4.0),
         ("Rest", 0.0, 4.0, 4.0), ("CC DChg", -1.0, 4.0, 3.2)]


def rows(n):
    """Yield one dict per record; Ah/Wh counters restart every step."""
    for i in range(n):
        step_no, k = divmod(i, PER_STEP)
        name, cur_A, v0, v1 = STEPS[step_no % 4]
        ah = abs(cur_A) * k * DT_S / 3600
        v = v0 + (v1 - v0) * k / PER_STEP
        yield {"i": i, "t": i * DT_S, "st": k * DT_S, "step": step_no + 1,
               "sched": step_no % 4 + 1, "cyc": step_no // 4 + 1,
               "name": name, "I": cur_A, "V": v, "ah": ah,
               "wh": ah * (v0 + v) / 2,
               "chg": cur_A > 0, "dchg": cur_A < 0}


def header(path, nlines):
    with open(FX + path, "rb") as f:
        return b"".join(f.readline() for _ in range(nlines))


def hms(s):
    h, r = divmod(s, 3600)
    return "%02d:%02d:%06.3f" % (h, r // 60, r % 60)


def date(fmt, t):
    return time.strftime(fmt, time.gmtime(T0 + t))


def arbin(r):
    return ("%d,%.3f,%s.000,%.3f,%d,%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,"
            "0,0.0000,0,0,0,25.00\r\n" % (
                r["i"] + 1, r["t"], date("%m/%d/%Y %H:%M:%S", r["t"]),
                r["st"], r["sched"], r["cyc"], r["I"], r["V"],
                r["ah"] * r["chg"], r["ah"] * r["dchg"],
                r["wh"] * r["chg"], r["wh"] * r["dchg"]))


def bdf(r):
    return "%.3f,%.3f,%.5f,%.5f,25.00\n" % (r["t"], T0 + r["t"], r["V"],
                                            r["I"])


def neware_flat(r):
    return ("%d,%d,%d,%s,%s,%s,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,"
            "%s,%.4f\r\n" % (
                r["i"] + 1, r["cyc"], r["step"], r["name"], hms(r["st"]),
                hms(r["t"]), r["I"], r["V"], r["ah"], r["ah"] * r["chg"],
                r["ah"] * r["dchg"], r["wh"], r["wh"] * r["chg"],
                r["wh"] * r["dchg"], date("%Y-%m-%d %H:%M:%S", r["t"]),
                r["I"] * r["V"]))


def maccor(r):
    state = "C" if r["chg"] else "D" if r["dchg"] else "R"
    return ("%d\t%d\t%d\t%.2f\t%.2f\t%.6f\t%.6f\t%.6f\t%.5f\t%s\t0\t%s\t0"
            "\t0.0000\t25.00\r\n" % (
                r["i"] + 1, r["cyc"] - 1, r["sched"], r["t"], r["st"],
                r["ah"], r["wh"], abs(r["I"]), r["V"], state,
                date("%m/%d/%Y %I:%M:%S %p", r["t"])))


def mpt_values(r):
    """The fixture's .mpt columns for one record (mA, mA.h, W.h)."""
    mode = 3 if r["I"] == 0 else 1
    return {"mode": mode, "ox/red": int(r["chg"]), "error": 0,
            "control changes": 0, "Ns changes": 0, "counter inc.": 0,
            "Ns": r["step"] - 1, "time/s": r["t"],
            "control/V/mA": r["I"] * 1000, "Ewe/V": r["V"],
            "I/mA": r["I"] * 1000, "dq/mA.h": 0.0, "(Q-Qo)/mA.h": 0.0,
            "Temperature/\xb0C": 25.0,
            "Q charge/mA.h": r["ah"] * 1000 * r["chg"],
            "Q discharge/mA.h": r["ah"] * 1000 * r["dchg"],
            "Energy charge/W.h": r["wh"] * r["chg"],
            "Energy discharge/W.h": r["wh"] * r["dchg"],
            "cycle number": float(r["cyc"] - 1)}


def mpt(r):
    v = mpt_values(r)
    s = ("%d\t%d\t0\t0\t0\t0\t%d\t%.4f\t%.4f\t%.6f\t%.6f\t0,0\t0,0\t25,000"
         "\t%.6f\t%.6f\t%.6f\t%.6f\t%.15E\t\r\n" % (
             v["mode"], v["ox/red"], v["Ns"], v["time/s"],
             v["control/V/mA"], v["Ewe/V"], v["I/mA"], v["Q charge/mA.h"],
             v["Q discharge/mA.h"], v["Energy charge/W.h"],
             v["Energy discharge/W.h"], v["cycle number"]))
    return s.replace(".", ",")


def neware(n, out):
    """Hierarchical export: a cycle line, a step line, then its records."""
    out.write(header("neware_cell.csv", 3))
    for r in rows(n):
        if r["st"] == 0:
            if r["sched"] == 1:
                out.write(b"%d,0,0,0,0,0\r\n" % r["cyc"])
            last = min(PER_STEP, n - r["i"]) - 1
            ah = abs(r["I"]) * last * DT_S / 3600
            out.write((",%d,%s,%s,%.3f,0.000,%.4f,%.4f\r\n" % (
                r["step"], r["name"].replace(" ", "_"), hms(last * DT_S),
                ah * 1000, r["V"], r["V"])).encode())
        out.write((",,%d,%s,%.4f,%.3f,25.0,%.3f,%.3f,%s\r\n" % (
            r["i"] + 1, hms(r["st"]), r["V"], r["I"] * 1000, r["ah"] * 1000,
            r["wh"] * 1000, date("%Y-%m-%d %H:%M:%S", r["t"]))).encode())


def mpr(n, path):
    sys.dont_write_bytecode = True  # no __pycache__ in tools/
    spec = importlib.util.spec_from_file_location("gen_import_bin",
                                                  "tools/gen-import-bin.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    gen.write_mpr(path, gen.MPR_COLS, Lazy(n), 3, True)


class Lazy:
    """The records, made as the writer walks them: a list would not fit."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __iter__(self):
        return (mpt_values(r) for r in rows(self.n))


def nda(n, path):
    """BTS 9.1 (.nda v130) records from byte 1024 to the 0x81 one, copied
    until there are n; index (+8), clock (+12, s), cycle (+36) and Unix
    time (+44, s) run on from copy to copy (docs/importers.md)."""
    with open(FX + "real/nda130_bts91_TestFile.nda", "rb") as f:
        b = f.read()
    end = 1024
    while b[end] == 0x55:
        end += 56
    recs = [bytearray(b[o:o + 56]) for o in range(1024, end, 56)]
    last_index, last_s = struct.unpack_from("<II", recs[-1], 8)
    last_cycle = struct.unpack_from("<I", recs[-1], 36)[0]
    with open(path, "wb", buffering=1 << 20) as out:
        out.write(b[:1024])
        for i in range(n):
            c, k = divmod(i, len(recs))
            r = bytearray(recs[k])
            for off, step in ((8, last_index), (12, last_s + 10),
                              (36, last_cycle + 1), (44, last_s + 10)):
                v = struct.unpack_from("<I", r, off)[0] + c * step
                struct.pack_into("<I", r, off, v)
            out.write(r)
        out.write(b[end:])


TEXT = {"arbin_csv": ("arbin_cell.csv", 1, arbin),
        "bdf_csv": ("bdf_cell.csv", 1, bdf),
        "neware_flat_csv": ("neware_flat_cell.csv", 1, neware_flat),
        "maccor_txt": ("maccor_cell.txt", 2, maccor),
        "biologic_txt": ("biologic_cell.mpt", 18, mpt)}


def main():
    fmt, n, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if fmt == "biologic_mpr":
        mpr(n, path)
        return
    if fmt == "neware_nda":
        nda(n, path)
        return
    with open(path, "wb", buffering=1 << 20) as out:
        if fmt == "neware_csv":
            neware(n, out)
            return
        fixture, nhdr, line = TEXT[fmt]
        out.write(header(fixture, nhdr))
        for r in rows(n):
            out.write(line(r).encode("latin-1"))


if __name__ == "__main__":
    main()
