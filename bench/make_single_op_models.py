#!/usr/bin/python3
"""Writes the single-op ONNX models of issue 3's "no slower than ONNX Runtime"
list to a directory: MatMul at the benchmark GEMM shapes and the convolutions
that dominate ResNet-50 and MobileNetV2. Batch 1, NCHW, opset 13, seeded random
weights (so the files are reproducible and need not be committed).

    /usr/bin/python3 bench/make_single_op_models.py OUT_DIR

Needs Debian's python3-onnx and python3-numpy.
"""
import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13

# M x N x K: A[M,K] is the input, B[K,N] an initializer (a weight, as in a model).
MATMUL_SHAPES = [
    (1024, 1024, 1024),
    (3136, 64, 576),
    (196, 256, 2304),
    (49, 512, 4608),
    (12544, 32, 27),
    (1, 1000, 2048),
]

# name, in channels, out channels, input H=W, kernel, stride, pad, groups
CONVS = [
    ("conv3x3_64ch_56", 64, 64, 56, 3, 1, 1, 1),
    ("conv3x3_256ch_14", 256, 256, 14, 3, 1, 1, 1),
    ("conv1x1_1024to256_14", 1024, 256, 14, 1, 1, 0, 1),
    ("conv7x7s2_stem_224", 3, 64, 224, 7, 2, 3, 1),
    ("dwconv3x3_32ch_112_s1", 32, 32, 112, 3, 1, 1, 32),
    ("dwconv3x3_144ch_56_s2", 144, 144, 56, 3, 2, 1, 144),
]


def weight(rng, shape, fan_in):
    # He-style scale keeps outputs O(1), so relative error figures mean something.
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def save(model, out_dir, name):
    onnx.checker.check_model(model)
    path = os.path.join(out_dir, name + ".onnx")
    onnx.save(model, path)
    return path


def matmul_model(m, n, k, seed, b_is_input=False):
    node = helper.make_node("MatMul", ["A", "B"], ["Y"])
    inputs = [helper.make_tensor_value_info("A", TensorProto.FLOAT, [m, k])]
    initializers = []
    if b_is_input:
        inputs.append(helper.make_tensor_value_info("B", TensorProto.FLOAT, [k, n]))
    else:
        rng = np.random.default_rng(seed)
        initializers.append(numpy_helper.from_array(weight(rng, (k, n), k), "B"))
    graph = helper.make_graph(
        [node], f"matmul_{m}x{n}x{k}", inputs,
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [m, n])],
        initializer=initializers)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                             producer_name="vireo-bench")


def conv_model(name, cin, cout, hw, kernel, stride, pad, groups, seed):
    rng = np.random.default_rng(seed)
    fan_in = cin // groups * kernel * kernel
    w = numpy_helper.from_array(weight(rng, (cout, cin // groups, kernel, kernel), fan_in), "W")
    b = numpy_helper.from_array((rng.standard_normal(cout) * 0.1).astype(np.float32), "bias")
    out_hw = (hw + 2 * pad - kernel) // stride + 1
    node = helper.make_node("Conv", ["X", "W", "bias"], ["Y"], kernel_shape=[kernel, kernel],
                            strides=[stride, stride], pads=[pad] * 4, dilations=[1, 1], group=groups)
    graph = helper.make_graph(
        [node], name,
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, cin, hw, hw])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [1, cout, out_hw, out_hw])],
        initializer=[w, b])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                             producer_name="vireo-bench")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", help="directory for the .onnx files (created if missing)")
    parser.add_argument("--matmul-b-input", action="store_true",
                        help="also write matmul_*_binput.onnx, with B a second input instead of a weight "
                             "(nothing can be pre-packed at load time)")
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    seed = 1000
    for m, n, k in MATMUL_SHAPES:
        seed += 1
        print(save(matmul_model(m, n, k, seed), args.out_dir, f"matmul_{m}x{n}x{k}"))
        if args.matmul_b_input:
            print(save(matmul_model(m, n, k, seed, b_is_input=True), args.out_dir, f"matmul_{m}x{n}x{k}_binput"))
    for spec in CONVS:
        seed += 1
        print(save(conv_model(*spec, seed), args.out_dir, spec[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
