"""Decodes a PNG (8-bit RGB or RGBA, not interlaced, as Chromium writes screenshots) with zlib and
struct alone, for ReportHTMLTests.

    python3 png_check.py SHOT.png [RRGGBB…]

Prints one JSON document: {"width", "height", "colours": distinct colours, "non_white": the share
of pixels that are not (near) white, "rows_with_ink": how many pixel rows hold a non-white pixel,
"found": {RRGGBB: how many pixels have that colour exactly}} for the colours given.
"""

import json
import struct
import sys
import zlib


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit("not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        elif kind == b"IEND":
            break
    width, height, depth, colour_type, _, _, interlace = header
    if depth != 8 or colour_type not in (2, 6) or interlace != 0:
        raise SystemExit(f"unsupported PNG: depth {depth}, colour type {colour_type}, interlace {interlace}")
    channels = 3 if colour_type == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous, offset = [], bytearray(stride), 0
    for _ in range(height):
        kind = raw[offset]
        line = bytearray(raw[offset + 1:offset + 1 + stride])
        offset += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                line[i] = (line[i] + paeth(left, up, corner)) & 0xFF
        rows.append(line)
        previous = line
    return width, height, channels, rows


def main():
    width, height, channels, rows = decode(sys.argv[1])
    wanted = {bytes.fromhex(colour): colour for colour in sys.argv[2:]}
    found = {colour: 0 for colour in sys.argv[2:]}
    colours, non_white, rows_with_ink = set(), 0, 0
    for line in rows:
        ink = False
        for x in range(0, len(line), channels):
            pixel = bytes(line[x:x + 3])
            colours.add(pixel)
            if pixel in wanted:
                found[wanted[pixel]] += 1
            if min(pixel) < 235:
                non_white += 1
                ink = True
        rows_with_ink += ink
    print(json.dumps({"width": width, "height": height, "colours": len(colours),
                      "non_white": non_white / float(width * height), "rows_with_ink": rows_with_ink,
                      "found": found}))


if __name__ == "__main__":
    main()
