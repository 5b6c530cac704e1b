#!/usr/bin/env python3
"""Writes a float32 copy of a bfloat16 safetensors model directory (benchmarks/README.md,
"Precision-matched decode against Jlama").

    bf16_to_f32.py SRC_DIR DST_DIR

DST_DIR gets SRC_DIR's config.json, tokenizer and other small files unchanged and a
model.safetensors with every BF16 tensor widened to F32 (exactly: a bfloat16 is the top half of
a float32), tensors in the same order, F32/other tensors copied as they are. The file is written
tensor by tensor to DST_DIR/.model.safetensors.tmp and renamed when complete, so a directory
with a model.safetensors is always whole; an existing DST_DIR/model.safetensors is left alone.
Needs only the standard library and numpy.
"""
import json
import os
import shutil
import struct
import sys

import numpy as np


def convert(src, dst):
    os.makedirs(dst, exist_ok=True)
    for name in sorted(os.listdir(src)):
        path = os.path.join(src, name)
        if name != "model.safetensors" and not name.startswith(".") and os.path.isfile(path):
            shutil.copyfile(path, os.path.join(dst, name))
    out_path = os.path.join(dst, "model.safetensors")
    if os.path.exists(out_path):
        print(f"{out_path} exists; left as it is", file=sys.stderr)
        return out_path
    with open(os.path.join(src, "model.safetensors"), "rb") as f:
        header_len = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(header_len))
        data_start = 8 + header_len
        names = [k for k in header if k != "__metadata__"]
        names.sort(key=lambda k: header[k]["data_offsets"][0])
        new_header = {}
        if "__metadata__" in header:
            new_header["__metadata__"] = header["__metadata__"]
        offset = 0
        for k in names:
            info = header[k]
            begin, end = info["data_offsets"]
            size = (end - begin) * 2 if info["dtype"] == "BF16" else end - begin
            dtype = "F32" if info["dtype"] == "BF16" else info["dtype"]
            new_header[k] = {"dtype": dtype, "shape": info["shape"],
                             "data_offsets": [offset, offset + size]}
            offset += size
        blob = json.dumps(new_header, separators=(",", ":")).encode("utf-8")
        blob += b" " * (-len(blob) % 8)  # keep the data 8-byte aligned
        tmp_path = os.path.join(dst, ".model.safetensors.tmp")
        with open(tmp_path, "wb") as out:
            out.write(struct.pack("<Q", len(blob)))
            out.write(blob)
            for k in names:
                info = header[k]
                begin, end = info["data_offsets"]
                f.seek(data_start + begin)
                raw = f.read(end - begin)
                if len(raw) != end - begin:
                    raise ValueError(f"{k}: expected {end - begin} bytes, file ends after {len(raw)}")
                if info["dtype"] == "BF16":
                    wide = np.frombuffer(raw, dtype="<u2").astype("<u4") << 16
                    out.write(wide.tobytes())
                else:
                    out.write(raw)
        os.replace(tmp_path, out_path)
    return out_path


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: bf16_to_f32.py SRC_DIR DST_DIR")
    print(convert(sys.argv[1], sys.argv[2]))
