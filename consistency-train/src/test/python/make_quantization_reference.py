#!/usr/bin/python3
"""Writes src/test/resources/quantization/reference.json: block-wise symmetric weight quantization
computed independently in numpy, for QuantizationTest.

Run from consistency-train/ with Debian's python3 (numpy):

    /usr/bin/python3 src/test/python/make_quantization_reference.py

The scheme (written from its definition, not from the Java code): for each row of a [rows, cols]
float32 matrix and each block of `block` consecutive columns, scale = max|x| / (2^(bits-1) - 1) in
float32; code = clip(rint(x / scale), -(2^(bits-1) - 1), 2^(bits-1) - 1) + 2^(bits-1) (numpy's rint
rounds ties to even); an all-zero block has scale 0 and codes 2^(bits-1); a last block shorter than
`block` is padded with code 2^(bits-1). Codes are packed per block as ONNX Runtime's MatMulNBits
documents: 8-bit one per byte, 4-bit two per byte with the earlier code in the low nibble. The
dequantized matrix is (code - 2^(bits-1)) * scale in float32.
"""
import json
import os

import numpy as np


def quantize(w, bits, block):
    rows, cols = w.shape
    blocks = -(-cols // block)
    qmax = (1 << (bits - 1)) - 1
    zero = 1 << (bits - 1)
    padded = np.zeros((rows, blocks * block), dtype=np.float32)
    padded[:, :cols] = w
    blocked = padded.reshape(rows, blocks, block)
    scales = (np.abs(blocked).max(axis=2) / np.float32(qmax)).astype(np.float32)
    safe = np.where(scales == 0, np.float32(1), scales).astype(np.float32)
    ratio = (blocked / safe[:, :, None]).astype(np.float32)
    codes = np.clip(np.rint(ratio), -qmax, qmax).astype(np.int32) + zero
    codes[scales == 0] = zero
    # padding columns take the zero code (their value 0 already gives it unless the scale is 0)
    codes = codes.reshape(rows, blocks * block)
    codes[:, cols:] = zero
    codes = codes.reshape(rows, blocks, block)
    if bits == 8:
        packed = codes.astype(np.uint8)
    else:
        packed = (codes[:, :, 0::2] | (codes[:, :, 1::2] << 4)).astype(np.uint8)
    deq = ((codes - zero).astype(np.float32) * scales[:, :, None]).astype(np.float32)
    deq = deq.reshape(rows, blocks * block)[:, :cols]
    return packed, scales, deq


def main():
    rng = np.random.default_rng(20261206)
    w = rng.standard_normal((5, 70)).astype(np.float32)
    # Exact ties: with max|x| = 7 (int4) or 127 (int8) the scale is 1 and x.5 values round to even.
    w[0, :8] = np.array([7, 2.5, -2.5, 3.5, -0.5, 0.5, 1.5, -6.5], dtype=np.float32)
    w[1, :6] = np.array([127, 2.5, -3.5, 100.5, -0.5, 126.5], dtype=np.float32)
    w[1, 6:32] = 0  # with block 32 the rest of the first block stays inside [-127, 127]
    w[2, 32:64] = 0  # an all-zero block (block 32)
    w[3, 5] = np.float32(-40)  # one outlier dominating its block
    cases = []
    for bits in (8, 4):
        for block in (16, 32, 64):
            packed, scales, deq = quantize(w, bits, block)
            cases.append({
                "bits": bits,
                "block_size": block,
                "packed_shape": list(packed.shape),
                "packed": packed.reshape(-1).tolist(),
                "scales": [float(x) for x in scales.reshape(-1)],
                "dequantized": [float(x) for x in deq.reshape(-1)],
            })
    out = {
        "generator": "src/test/python/make_quantization_reference.py (numpy " + np.__version__ + ")",
        "rows": int(w.shape[0]),
        "cols": int(w.shape[1]),
        "weights": [float(x) for x in w.reshape(-1)],
        "cases": cases,
    }
    path = os.path.join("src", "test", "resources", "quantization", "reference.json")
    with open(path + ".tmp", "w") as f:
        json.dump(out, f)
    os.replace(path + ".tmp", path)
    print("wrote", path)


if __name__ == "__main__":
    main()
