#!/usr/bin/python3
# Hand-made IDX files for tests/test_prime.cpp, written with Python's gzip
# and struct (independent of memcosim's zlib reader). Run from this folder;
# the outputs are committed.
import gzip
import struct

# 3 images of 4 x 2 pixels; pixel (n, r, c) = 10 n + 3 r + c (times 5).
images = bytes(5 * (10 * n + 3 * r + c) for n in range(3) for r in range(4) for c in range(2))
head = struct.pack(">IIII", 0x00000803, 3, 4, 2)
with gzip.open("tiny-images.idx3.gz", "wb") as f:
    f.write(head + images)
with gzip.open("tiny-labels.idx1.gz", "wb") as f:
    f.write(struct.pack(">II", 0x00000801, 3) + bytes([7, 0, 9]))
# Header says 3 images, the data holds 2 and a half.
with gzip.open("truncated-images.idx3.gz", "wb") as f:
    f.write(head + images[:20])
