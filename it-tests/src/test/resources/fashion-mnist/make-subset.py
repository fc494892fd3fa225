#!/usr/bin/env python3
"""Writes the Fashion-MNIST subset the tests use: the first 3,000 training and the first 1,000
test images with their labels, as gzipped IDX files under the standard names.

Usage: python3 make-subset.py [SOURCE_DIR [OUT_DIR]]
  SOURCE_DIR: the full dataset's four .gz files (default /usr/share/datasets/fashion-mnist,
              where the Debian package dataset-fashion-mnist installs them)
  OUT_DIR:    where to write the subset (default: this script's folder)

Standard library only. The output is byte-for-byte reproducible (gzip mtime 0, no file name).
"""
import gzip
import os
import struct
import sys

COUNTS = {"train": 3000, "t10k": 1000}


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError("%s: not an unsigned-byte IDX file" % path)
    dims = list(struct.unpack(">%dI" % ndim, data[4 : 4 + 4 * ndim]))
    return dims, data[4 + 4 * ndim :]


def write_idx(path, dims, body):
    header = struct.pack(">HBB", 0, 0x08, len(dims)) + struct.pack(">%dI" % len(dims), *dims)
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as f:
            f.write(header + body)


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))
    for split, n in COUNTS.items():
        for kind in ("images-idx3-ubyte", "labels-idx1-ubyte"):
            name = "%s-%s.gz" % (split, kind)
            dims, body = read_idx(os.path.join(src, name))
            if dims[0] < n:
                raise ValueError("%s has %d items, fewer than %d" % (name, dims[0], n))
            per_item = 1
            for d in dims[1:]:
                per_item *= d
            write_idx(os.path.join(out, name), [n] + dims[1:], body[: n * per_item])
            print("%s: %d of %d items" % (name, n, dims[0]))


if __name__ == "__main__":
    main()
