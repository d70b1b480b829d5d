"""Writes NaN into element INDEX of a float32 .npy file, in place (no numpy
needed): the header is skipped by its length field. With a third argument,
writes that int32 value instead (for a block table)."""
import struct
import sys

path, index = sys.argv[1], int(sys.argv[2])
with open(path, "r+b") as f:
    head = f.read(10)
    assert head[:6] == b"\x93NUMPY", "not a .npy file"
    length = struct.unpack("<H", head[8:10])[0]
    f.seek(10 + length + 4 * index)
    if len(sys.argv) > 3:
        f.write(struct.pack("<i", int(sys.argv[3])))
    else:
        f.write(struct.pack("<f", float("nan")))
