#!/usr/bin/env python3
"""Checks bf16_to_f32.py on a small hand-made file: python3 benchmarks/scale/test_bf16_to_f32.py"""
import json
import os
import struct
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bf16_to_f32  # noqa: E402


def write_safetensors(path, tensors):
    """tensors: list of (name, dtype, shape, raw bytes), written in this order."""
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    blob = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)) + blob)
        for _, _, _, raw in tensors:
            f.write(raw)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    return n, header, data


class Bf16ToF32Test(unittest.TestCase):
    def test_widens_bf16_exactly_keeps_other_tensors_and_files(self):
        values = np.array([[1.0, -2.5, 3.140625], [0.0, -0.0, 65280.0]], dtype="<f4")
        bf16 = (values.view("<u4") >> 16).astype("<u2").tobytes()  # these values are exact in bf16
        ints = np.array([7, -9], dtype="<i8").tobytes()
        with tempfile.TemporaryDirectory() as tmp:
            src, dst = os.path.join(tmp, "src"), os.path.join(tmp, "dst")
            os.makedirs(src)
            # stored out of name order, to check that data order is kept
            write_safetensors(os.path.join(src, "model.safetensors"),
                              [("z.weight", "BF16", [2, 3], bf16), ("a.ids", "I64", [2], ints)])
            with open(os.path.join(src, "config.json"), "w") as f:
                f.write('{"hidden_size": 3}')
            bf16_to_f32.convert(src, dst)
            with open(os.path.join(dst, "config.json")) as f:
                self.assertEqual('{"hidden_size": 3}', f.read())
            n, header, data = read_safetensors(os.path.join(dst, "model.safetensors"))
            self.assertEqual(0, (8 + n) % 8)
            self.assertEqual({"format": "pt"}, header["__metadata__"])
            self.assertEqual({"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, header["z.weight"])
            self.assertEqual({"dtype": "I64", "shape": [2], "data_offsets": [24, 40]}, header["a.ids"])
            got = np.frombuffer(data[0:24], dtype="<f4").reshape(2, 3)
            np.testing.assert_array_equal(values, got)
            self.assertEqual(np.signbit(values).tolist(), np.signbit(got).tolist())
            self.assertEqual(ints, data[24:40])
            self.assertEqual(40, len(data))
            self.assertFalse(os.path.exists(os.path.join(dst, ".model.safetensors.tmp")))

    def test_leaves_an_existing_output_alone(self):
        with tempfile.TemporaryDirectory() as tmp:
            src, dst = os.path.join(tmp, "src"), os.path.join(tmp, "dst")
            os.makedirs(src)
            os.makedirs(dst)
            write_safetensors(os.path.join(src, "model.safetensors"),
                              [("w", "BF16", [1, 1], b"\x80\x3f")])
            with open(os.path.join(dst, "model.safetensors"), "wb") as f:
                f.write(b"kept")
            bf16_to_f32.convert(src, dst)
            with open(os.path.join(dst, "model.safetensors"), "rb") as f:
                self.assertEqual(b"kept", f.read())

    def test_truncated_input_is_refused_naming_the_tensor(self):
        with tempfile.TemporaryDirectory() as tmp:
            src, dst = os.path.join(tmp, "src"), os.path.join(tmp, "dst")
            os.makedirs(src)
            path = os.path.join(src, "model.safetensors")
            write_safetensors(path, [("layer.w", "BF16", [1, 2], b"\x80\x3f\x00\x40")])
            with open(path, "r+b") as f:
                f.truncate(os.path.getsize(path) - 1)
            with self.assertRaisesRegex(ValueError, "layer.w: expected 4 bytes, file ends after 3"):
                bf16_to_f32.convert(src, dst)
            self.assertFalse(os.path.exists(os.path.join(dst, "model.safetensors")))


if __name__ == "__main__":
    unittest.main()
