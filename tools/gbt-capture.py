#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Write the synthetic GB/T 27930 charging captures of fixtures/captures/
as `candump -L` text: a charger (0x56) and a BMS (0xF4) interleaved at
their real periods, long messages by J1939-21 RTS/CTS with CTS and EOMA
(docs/gbt27930.md, "Decoding a capture"; the values are asserted by
tests/unit/test_gbtdecode_session.c).

  2015: CHM/BHM handshake, BRM of 49 bytes with a VIN, BCP, CML of 8,
        charging with BCL, CCS, BCS, BSM and BMV (104 cells, 8 groups)
        and BMT (16 probes) every 10 s, BST "SOC reached", CST, BSD, CSD.
  2011: no CHM/BHM, BRM of 41 bytes padded with 0, CML and CCS of 6,
        no BMV/BMT, a manual stop by the charger, CSD of 5.

usage: tools/gbt-capture.py 2015|2011 [--asc] > OUT.log|OUT.asc
"""
import struct
import sys

BMS, CHG = 0xF4, 0x56
T0 = 1765100000.0  # capture start, like a real candump -L


class Capture:
    def __init__(self):
        self.frames = []  # (t, seq, id, data)

    def frame(self, t, prio, pf, src, data):
        dst = CHG if src == BMS else BMS
        fid = prio << 26 | pf << 16 | dst << 8 | src
        self.frames.append((t, len(self.frames), fid, bytes(data)))

    def msg(self, t, prio, pgn, src, data):
        """One group: a single frame, or RTS/CTS/TP.DT/EOMA from t."""
        if len(data) <= 8:
            self.frame(t, prio, pgn >> 8, src, data)
            return
        n = (len(data) + 6) // 7
        pg = struct.pack("<I", pgn)[:3]
        peer = CHG if src == BMS else BMS
        self.frame(t, 7, 0xEC, src,
                   bytes([0x10]) + struct.pack("<H", len(data)) +
                   bytes([n, 0xFF]) + pg)
        t += 0.0008
        self.frame(t, 7, 0xEC, peer, bytes([0x11, n, 1, 0xFF, 0xFF]) + pg)
        for i in range(n):
            t += 0.0006
            chunk = data[7 * i:7 * i + 7]
            self.frame(t, 7, 0xEB, src,
                       bytes([i + 1]) + chunk + b"\xff" * (7 - len(chunk)))
        t += 0.0008
        self.frame(t, 7, 0xEC, peer,
                   bytes([0x13]) + struct.pack("<H", len(data)) +
                   bytes([n, 0xFF]) + pg)

    def every(self, start, end, period, fn):
        k = 0
        while start + k * period < end - 1e-9:
            fn(start + k * period, k)
            k += 1

    def write(self, asc):
        if asc:  # Vector ASC as CANalyzer writes it, times from the start
            print("date Sun Dec 7 03:00:00.000 am 2025\n"
                  "base hex  timestamps absolute\n"
                  "internal events logged\n"
                  "Begin Triggerblock Sun Dec 7 03:00:00.000 am 2025\n"
                  "   0.000000 Start of measurement")
        for t, _, fid, data in sorted(self.frames):
            if asc:
                print(f"{t:11.6f} 1  {fid:08X}x       Rx   d {len(data)} "
                      + " ".join(f"{b:02X}" for b in data))
            else:
                print(f"({T0 + t:.6f}) can0 {fid:08X}#{data.hex().upper()}")
        if asc:
            print("End TriggerBlock")


def u16(v):
    return struct.pack("<H", v)


def cur(charge_dA):  # GB/T current: 0.1 A/bit, -400 A, charge negative
    return u16(4000 - charge_dA)


def brm_2015():
    return (bytes([1, 1, 0, 0x03]) + u16(1500) + u16(3328) + b"CATL" +
            bytes([1, 2, 3, 4, 2019 - 1985, 5, 17]) +
            struct.pack("<I", 123)[:3] + bytes([1, 0xFF]) +
            b"LGXCE4CB0K0123456" +
            bytes([0x19, 0x05, 0x17, 0x01, 0x00, 0x00, 0x02, 0x07]))


def brm_2011():
    return (bytes([1, 0, 0, 0x06]) + u16(1000) + u16(3504) + bytes(4) +
            bytes(4) + bytes([0xFF, 0xFF, 0xFF]) + bytes([0xFF] * 3) +
            bytes([0xFF, 0xFF]) + bytes(17))


BCP = u16(365) + cur(1500) + u16(499) + u16(3796) + bytes([105]) + \
    u16(425) + u16(3312)


def cells(k):  # 104 cells in 8 groups of 13; the second sweep is higher
    return b"".join(u16((3300 // 10 + i % 11 + k) | (i // 13) << 12)
                    for i in range(104))


def probes(k):
    return bytes(25 + i % 8 + k + 50 for i in range(16))


def session_2015(c):
    # handshake 0..1 s: CHM / BHM every 250 ms
    c.every(0.000, 1.000, 0.250, lambda t, k: c.frame(t, 6, 0x26, CHG,
                                                        [1, 1, 0]))
    c.every(0.120, 1.000, 0.250, lambda t, k: c.frame(t, 6, 0x27, BMS,
                                                        u16(4000)))
    # recognition: CRM 0x00 until the BRM, then 0xAA until the BCP
    c.every(1.000, 1.500, 0.250, lambda t, k: c.frame(
        t, 6, 0x01, CHG, bytes([0x00]) + struct.pack("<I", 1) + b"\xff" * 3))
    c.msg(1.050, 7, 0x0200, BMS, brm_2015())
    c.every(1.500, 2.000, 0.250, lambda t, k: c.frame(
        t, 6, 0x01, CHG, bytes([0xAA]) + struct.pack("<I", 1) + b"\xff" * 3))
    c.msg(1.560, 7, 0x0600, BMS, BCP)
    # config: CTS 500 ms, CML 250 ms, BRO 0x00 then 0xAA, CRO
    c.every(2.000, 3.500, 0.500, lambda t, k: c.frame(
        t, 6, 0x07, CHG, [0x36, 0x24, 0x08, 0x16, 0x05, 0x15, 0x20]))
    c.every(2.010, 3.500, 0.250, lambda t, k: c.frame(
        t, 6, 0x08, CHG, u16(7500) + u16(2000) + cur(2500) + cur(0)))
    c.every(2.100, 3.500, 0.250, lambda t, k: c.frame(
        t, 4, 0x09, BMS, [0xAA if t >= 2.5 else 0x00]))
    c.every(2.700, 3.500, 0.250, lambda t, k: c.frame(
        t, 4, 0x0A, CHG, [0xAA if t >= 3.2 else 0x00]))
    # charging 3.5..16 s
    end = 16.0
    c.every(3.500, end, 0.050, lambda t, k: c.frame(
        t, 6, 0x10, BMS, u16(3500) + cur(1000) + bytes([2])))
    c.every(3.520, end, 0.050, lambda t, k: c.frame(
        t, 6, 0x12, CHG, u16(3360) + cur(995) + u16(0) + bytes([0xFD, 0xFF])))
    c.every(3.530, end, 0.250, lambda t, k: c.msg(
        t, 7, 0x1100, BMS, u16(3360) + cur(998) + u16(341 | 3 << 12) +
        bytes([43 if t < 10 else 44]) + u16(25)))
    c.every(3.600, end, 0.250, lambda t, k: c.frame(
        t, 6, 0x13, BMS, bytes([39, 33 + 50, 8, 24 + 50, 1, 0x00, 0xD0])))
    c.every(3.650, end, 10.0, lambda t, k: c.msg(t, 7, 0x1500, BMS,
                                                  cells(k)))
    c.every(3.700, end, 10.0, lambda t, k: c.msg(t, 7, 0x1600, BMS,
                                                  probes(k)))
    # the BMS stops: BST 10 ms, the charger answers with CST 10 ms
    c.every(end, end + 0.2, 0.010, lambda t, k: c.frame(
        t, 4, 0x19, BMS, [0x01, 0x00, 0x00, 0xF0]))
    c.every(end + 0.005, end + 0.2, 0.010, lambda t, k: c.frame(
        t, 4, 0x1A, CHG, [0x40, 0x00, 0xF0, 0xF0]))
    # statistics: BSD and CSD every 250 ms
    c.every(end + 0.25, end + 1.75, 0.250, lambda t, k: c.frame(
        t, 6, 0x1C, BMS, bytes([44]) + u16(330) + u16(342) +
        bytes([24 + 50, 33 + 50])))
    c.every(end + 0.3, end + 1.75, 0.250, lambda t, k: c.frame(
        t, 6, 0x1D, CHG, u16(0) + u16(5) + b"\xff" * 4))


def session_2011(c):
    c.every(0.000, 0.750, 0.250, lambda t, k: c.frame(
        t, 6, 0x01, CHG, bytes([0x00]) + struct.pack("<I", 7) + b"\xff" * 3))
    c.msg(0.060, 7, 0x0200, BMS, brm_2011())
    c.every(0.750, 1.250, 0.250, lambda t, k: c.frame(
        t, 6, 0x01, CHG, bytes([0xAA]) + struct.pack("<I", 7) + b"\xff" * 3))
    bcp = u16(420) + cur(800) + u16(350) + u16(4000) + bytes([110]) + \
        u16(600) + u16(3650)
    c.msg(0.800, 7, 0x0600, BMS, bcp)
    c.every(1.250, 2.250, 0.250, lambda t, k: c.frame(
        t, 6, 0x08, CHG, u16(5000) + u16(1500) + cur(1200)))
    c.every(1.300, 2.250, 0.250, lambda t, k: c.frame(t, 4, 0x09, BMS,
                                                        [0xAA]))
    c.every(1.750, 2.250, 0.250, lambda t, k: c.frame(t, 4, 0x0A, CHG,
                                                        [0xAA]))
    end = 6.0
    c.every(2.250, end, 0.050, lambda t, k: c.frame(
        t, 6, 0x10, BMS, u16(3800) + cur(500) + bytes([2])))
    c.every(2.270, end, 0.050, lambda t, k: c.frame(
        t, 6, 0x12, CHG, u16(3662) + cur(480) + u16(1)))
    c.every(2.280, end, 0.250, lambda t, k: c.msg(
        t, 7, 0x1100, BMS, u16(3661) + cur(479) + u16(405) +
        bytes([61]) + u16(90)))
    c.every(2.300, end, 0.250, lambda t, k: c.frame(
        t, 6, 0x13, BMS, bytes([0, 30 + 50, 1, 28 + 50, 0, 0x00, 0x10])))
    # the charger stops (manual), the BMS answers "charger stopped"
    c.every(end, end + 0.2, 0.010, lambda t, k: c.frame(
        t, 4, 0x1A, CHG, [0x04, 0x00, 0xF0, 0xF0]))
    c.every(end + 0.004, end + 0.2, 0.010, lambda t, k: c.frame(
        t, 4, 0x19, BMS, [0x40, 0x00, 0x00, 0xF0]))
    c.every(end + 0.25, end + 1.25, 0.250, lambda t, k: c.frame(
        t, 6, 0x1C, BMS, bytes([61]) + u16(401) + u16(406) +
        bytes([28 + 50, 30 + 50])))
    c.every(end + 0.3, end + 1.25, 0.250, lambda t, k: c.frame(
        t, 6, 0x1D, CHG, u16(4) + u16(2) + b"\x07"))


def main():
    args = sys.argv[1:]
    if args[1:] not in ([], ["--asc"]) or args[:1] not in (["2015"],
                                                          ["2011"]):
        sys.exit(__doc__)
    c = Capture()
    (session_2015 if args[0] == "2015" else session_2011)(c)
    c.write(args[1:] == ["--asc"])


if __name__ == "__main__":
    main()
