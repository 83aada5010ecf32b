#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Write fixtures/import/ndax_v11.ndax (docs/importers.md): the real
version-16 sample fixtures/import/real/ndax_ndc16_46_1_5_60.ndax laid out
as .ndc version 11, for want of a real version-11 file. Version 11 keeps
version 16's units (0.1 mV, mA, mAs); its step records are 37 bytes (page
tail 5), its runInfo records 47 bytes (page tail 16), the leading bytes of
version 16's 100-byte records. Its aux channel (two record forms) is not
read: data_1.ndc is kept, marked version 11. Run from the repository root;
the output is committed, this script says how it was made.
"""
import zipfile

SRC = "fixtures/import/real/ndax_ndc16_46_1_5_60.ndax"
OUT = "fixtures/import/ndax_v11.ndax"
PAGE, START = 4096, 132


def records(d, size, tail):
    out = []
    for p in range(PAGE, len(d), PAGE):
        page = d[p:p + PAGE]
        for at in range(START, PAGE - tail - size + 1, size):
            out.append(page[at:at + size])
    return out


def relayout(d, size16, tail16, size11, tail11):
    head = bytearray(d[:PAGE])
    head[2] = 11
    recs = [r[:size11] for r in records(d, size16, tail16)]
    per = (PAGE - START - tail11) // size11
    out = bytes(head)
    for i in range(0, len(recs), per):
        body = b"".join(recs[i:i + per])
        out += d[PAGE:PAGE + START] + body + bytes(PAGE - START - len(body))
    return out


def version11(name, d):
    if name == "data_step.ndc":
        return relayout(d, 100, 64, 37, 5)
    if name == "data_runInfo.ndc":
        return relayout(d, 100, 64, 47, 16)
    b = bytearray(d)
    b[2] = 11
    return bytes(b)


src = zipfile.ZipFile(SRC)
with zipfile.ZipFile(OUT, "w", zipfile.ZIP_DEFLATED) as z:
    for info in src.infolist():
        data = src.read(info.filename)
        if info.filename.endswith(".ndc"):
            data = version11(info.filename, data)
        z.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
