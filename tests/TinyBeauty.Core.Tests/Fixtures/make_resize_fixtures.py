#!/usr/bin/env python3
"""Writes the 8-bit resize fixtures that ImageResizeTests compares against.

Run with the Debian 12 packages python3-opencv (4.6.0) and python3-numpy, the same OpenCV build that
produced the official reference data: `python3 make_resize_fixtures.py` in this folder.

Each resize_*.bin file is little-endian: five int32 values (source width, source height,
destination width, destination height, channels), then the packed source pixels, then the packed
cv2.resize(..., interpolation=cv2.INTER_LINEAR) output. The images are seeded random noise, which
exercises every fixed-point rounding path far more than photos do.
"""

import struct

import cv2
import numpy as np

CASES = [
    # name, source (w, h), destination (w, h), channels
    ("c1_up", (37, 23), (50, 61), 1),
    ("c1_down", (131, 97), (45, 29), 1),
    ("c3_down", (100, 80), (33, 71), 3),
    ("c3_up", (29, 17), (64, 48), 3),
    ("c3_half", (40, 30), (20, 15), 3),
    ("c3_mixed", (61, 40), (91, 13), 3),
    ("c4_up", (31, 33), (97, 45), 4),
    ("c4_down", (203, 151), (77, 39), 4),
]


def main():
    rng = np.random.default_rng(20240717)
    for name, (sw, sh), (dw, dh), cn in CASES:
        shape = (sh, sw) if cn == 1 else (sh, sw, cn)
        src = rng.integers(0, 256, size=shape, dtype=np.uint8)
        dst = cv2.resize(src, (dw, dh), interpolation=cv2.INTER_LINEAR)
        with open(f"resize_{name}.bin", "wb") as f:
            f.write(struct.pack("<5i", sw, sh, dw, dh, cn))
            f.write(np.ascontiguousarray(src).tobytes())
            f.write(np.ascontiguousarray(dst).tobytes())
    print(cv2.__version__, "baseline:", [l.strip() for l in cv2.getBuildInformation().splitlines() if "Baseline" in l])


if __name__ == "__main__":
    main()
