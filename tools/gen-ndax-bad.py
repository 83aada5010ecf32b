#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Write the bad .ndax fixtures (docs/importers.md) from the real sample
fixtures/import/real/ndax_ndc14_Unit27_Example.ndax: an archive without
data.ndc, one without data_runInfo.ndc, a data.ndc cut inside a page, a
data.ndc of a version this does not read, a step of an unknown type, and
one whose aux channels TestInfo.xml calls humidity (ChlType 345): read,
without temperature. Run
from the repository root; the outputs are committed, this script says how
they were made.
"""
import os
import zipfile

SRC = "fixtures/import/real/ndax_ndc14_Unit27_Example.ndax"
OUT = "fixtures/import/ndax_bad/"


def patch(data, at, value):
    b = bytearray(data)
    b[at] = value
    return bytes(b)


def write(name, drop=(), change=None):
    src = zipfile.ZipFile(SRC)
    with zipfile.ZipFile(OUT + name, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            if info.filename in drop:
                continue
            data = src.read(info.filename)
            if change and info.filename == change[0]:
                data = change[1](data)
            z.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)


os.makedirs(OUT, exist_ok=True)
write("no_data.ndax", drop=("data.ndc",))
write("no_runinfo.ndax", drop=("data_runInfo.ndc",))
write("cut_page.ndax", change=("data.ndc", lambda d: d[: 4096 + 1000]))
write("ndc_v5.ndax", change=("data.ndc", lambda d: patch(d, 2, 5)))
# data_step.ndc: the first step record's type (byte 24 of the record).
write("bad_status.ndax",
      change=("data_step.ndc", lambda d: patch(d, 4096 + 132 + 24, 99)))
write("aux_humidity.ndax",
      change=("TestInfo.xml",
              lambda d: d.replace(b'ChlType="103"', b'ChlType="345"')))
