#!/usr/bin/python3
"""Generates the malformed-input corpus for `vireo run`.

    /usr/bin/python3 tests/malformed/make_corpus.py OUT_DIR

Writes one directory per case under OUT_DIR plus OUT_DIR/manifest.json. Every
case is a model file (plus optional input files, external-data files, symlinks
and hard links) that `vireo run` must reject with exactly one line on stderr
and exit code 1. A handful of "control" cases are the valid twins the broken
cases are derived from; they must run (exit 0), which shows the failures come
from the corruption and not from a broken base model.

Everything is generated deterministically (fixed seeds, no timestamps), so two
runs produce byte-identical files. Needs onnx (1.12 or later) and numpy.

Manifest entry:
    {"name": ..., "category": ..., "model": "model.onnx",
     "inputs": ["x.npy", "NAME=y.pb", ...],   # relative to the case directory
     "expect_exit": 1, "expect": "substring" or null, "note": ...}
"""
import json
import os
import random
import shutil
import struct
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

# ---------------------------------------------------------------------------
# A tiny protobuf wire-format encoder, for corruptions onnx cannot express.

VARINT, FIXED64, LEN, SGROUP, EGROUP, FIXED32 = 0, 1, 2, 3, 4, 5


def varint(n):
    n &= (1 << 64) - 1  # negative int64 values take 10 bytes, as in protobuf
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def key(field, wire):
    return varint((field << 3) | wire)


def f_varint(field, v):
    return key(field, VARINT) + varint(v)


def f_bytes(field, b):
    if isinstance(b, str):
        b = b.encode()
    return key(field, LEN) + varint(len(b)) + b


def f_fixed32(field, b4):
    return key(field, FIXED32) + b4


def f_fixed64(field, b8):
    return key(field, FIXED64) + b8


def packed_varints(field, values):
    return f_bytes(field, b"".join(varint(v) for v in values))


# ONNX message builders on the raw encoder (field numbers from onnx.proto).
def tensor_msg(name=None, dims=(), dtype=1, raw=None, extra=b""):
    b = b""
    if dims:
        b += packed_varints(1, dims)
    b += f_varint(2, dtype)
    if name is not None:
        b += f_bytes(8, name)
    if raw is not None:
        b += f_bytes(9, raw)
    return b + extra


def tensor_type(elem, dims):
    shape = b"".join(f_bytes(1, f_varint(1, d) if isinstance(d, int) else f_bytes(2, d)) for d in dims)
    return f_bytes(1, f_varint(1, elem) + f_bytes(2, shape))  # TypeProto.tensor_type


def value_info_msg(name, type_bytes):
    return f_bytes(1, name) + f_bytes(2, type_bytes)


def node_msg(op, inputs, outputs, name="", attrs=b""):
    b = b"".join(f_bytes(1, i) for i in inputs) + b"".join(f_bytes(2, o) for o in outputs)
    if name:
        b += f_bytes(3, name)
    return b + f_bytes(4, op) + attrs


def graph_msg(nodes=(), inits=(), inputs=(), outputs=(), name="g"):
    b = b"".join(f_bytes(1, n) for n in nodes) + f_bytes(2, name)
    b += b"".join(f_bytes(5, t) for t in inits)
    b += b"".join(f_bytes(11, v) for v in inputs)
    b += b"".join(f_bytes(12, v) for v in outputs)
    return b


def model_msg(graph, opset=13, ir=8):
    return f_varint(1, ir) + f_bytes(2, "malformed") + f_bytes(7, graph) + f_bytes(8, f_varint(2, opset))


def relu_graph_raw(extra_nodes=(), extra_inits=(), x_dims=(1, 4)):
    """x -> Relu -> y, as raw graph bytes; extra initializers ride along."""
    return graph_msg(
        nodes=[node_msg("Relu", ["x"], ["y"], "relu")] + list(extra_nodes),
        inits=list(extra_inits),
        inputs=[value_info_msg("x", tensor_type(1, x_dims))],
        outputs=[value_info_msg("y", tensor_type(1, x_dims))],
    )


def nested_headers_bytes(headers, inner):
    """Wraps `inner` in LEN fields, outermost first, in linear time: each level
    is only a key and a length prefix (see nested())."""
    return nested([(b"", f) for f in headers], inner)


def nested(levels, inner):
    """levels: (prefix, field) pairs, outermost first. Level i's message is
    prefix + field{level i+1's message}; the innermost message is `inner`.
    Built from the inside out in linear time, so 100000 levels are cheap."""
    pieces = []
    n = len(inner)
    for prefix, field in reversed(levels):
        h = prefix + key(field, LEN) + varint(n)
        pieces.append(h)
        n += len(h)
    pieces.reverse()
    return b"".join(pieces) + inner


# ---------------------------------------------------------------------------
# onnx.helper based builders.

F32 = TensorProto.FLOAT
I64 = TensorProto.INT64


def vi(name, dtype=F32, shape=None):
    return helper.make_tensor_value_info(name, dtype, shape)


def model(nodes, inputs, outputs, inits=(), opset=13, ir=8, value_info=()):
    g = helper.make_graph(list(nodes), "g", list(inputs), list(outputs), initializer=list(inits),
                          value_info=list(value_info))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="malformed")
    m.ir_version = ir
    return m.SerializeToString()


def i64(name, values, dims=None):
    a = np.array(values, dtype=np.int64)
    if dims is not None:
        a = a.reshape(dims)
    return numpy_helper.from_array(a, name)


def f32(name, shape, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    return numpy_helper.from_array(a, name)


def npy_bytes(a):
    """numpy.save's bytes, deterministically."""
    import io
    bio = io.BytesIO()
    np.save(bio, a, allow_pickle=False)
    return bio.getvalue()


def npy_raw(header_dict_text, data=b"", version=1):
    """A .npy file with a hand-written header."""
    h = header_dict_text.encode("latin1")
    if version == 1:
        pre = b"\x93NUMPY\x01\x00"
        total = len(pre) + 2 + len(h) + 1
        h += b" " * ((64 - total % 64) % 64) + b"\n"
        return pre + struct.pack("<H", len(h)) + h + data
    pre = bytes([0x93]) + b"NUMPY" + bytes([version, 0])
    total = len(pre) + 4 + len(h) + 1
    h += b" " * ((64 - total % 64) % 64) + b"\n"
    return pre + struct.pack("<I", len(h)) + h + data


X_SHAPE = [1, 3, 8, 8]


def x_input(seed=1, shape=None):
    shape = X_SHAPE if shape is None else shape
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


# ---------------------------------------------------------------------------
# The corpus.

class Corpus:
    def __init__(self, root):
        self.root = root
        self.cases = []
        self.names = set()

    def add(self, category, name, model_bytes, inputs=(), expect=None, setup=None, note="", expect_exit=1,
            model_name="model.onnx", raw_inputs=None):
        """inputs: (filename, ndarray | bytes) pairs written next to the model
        and passed as --input in order; raw_inputs overrides the --input list."""
        assert name not in self.names, name
        self.names.add(name)
        d = os.path.join(self.root, name)
        os.makedirs(d)
        if model_bytes is not None:
            with open(os.path.join(d, model_name), "wb") as f:
                f.write(model_bytes)
        args = []
        for fname, content in inputs:
            spec = fname
            if "=" in fname:
                _, fname = fname.split("=", 1)
            if content is not None:
                with open(os.path.join(d, fname), "wb") as f:
                    f.write(npy_bytes(content) if isinstance(content, np.ndarray) else content)
            args.append(spec)
        if raw_inputs is not None:
            args = list(raw_inputs)
        if setup:
            setup(d)
        self.cases.append({"name": name, "category": category, "model": model_name, "inputs": args,
                           "expect_exit": expect_exit, "expect": expect, "note": note})

    def write_manifest(self):
        with open(os.path.join(self.root, "manifest.json"), "w") as f:
            json.dump({"cases": self.cases}, f, indent=1, sort_keys=True)
            f.write("\n")


# A small valid model used as the base of the wire-level corruptions: Conv with
# a raw_data initializer, Relu, Add with a float_data initializer.
def base_model():
    w = f32("w", [4, 3, 3, 3], seed=2)
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"], name="relu"),
        helper.make_node("Add", ["r", "b4"], ["y"], name="add"),
    ]
    b4 = helper.make_tensor("b4", F32, [4, 1, 1], [0.5, -0.5, 0.25, 0.0])  # float_data
    return model(nodes, [vi("x", F32, X_SHAPE)], [vi("y", F32, [1, 4, 8, 8])], inits=[w, b4])


def single_op(op, inputs, outputs, attrs=None, inits=(), graph_inputs=None, graph_outputs=None, opset=13,
              node_name="victim"):
    attrs = attrs or {}
    node = helper.make_node(op, inputs, outputs, name=node_name, **attrs)
    gi = graph_inputs if graph_inputs is not None else [vi("x", F32, X_SHAPE)]
    go = graph_outputs if graph_outputs is not None else [vi(outputs[0], F32, None)]
    return model([node], gi, go, inits=inits, opset=opset)


def gen_wire(c):
    cat = "wire"
    base = base_model()
    xin = [("x.npy", x_input())]
    c.add(cat, "wire_empty_file", b"", xin, note="0-byte model")
    c.add(cat, "wire_one_byte", b"\x08", xin, expect="truncated")
    # Strict prefixes of a valid model: each misses part of the graph or of the
    # trailing opset import, so none is a valid model.
    for frac in (1, 5, 50, 95):
        cut = max(1, len(base) * frac // 100)
        c.add(cat, "wire_truncated_%02dpct" % frac, base[:cut], xin)
    c.add(cat, "wire_truncated_minus1", base[:-1], xin)
    c.add(cat, "wire_truncated_inside_raw_data", base[: base.index(b"\x4a") + 40] if b"\x4a" in base else base[:200],
          xin)
    rng = random.Random(1234)
    for n in (16, 1000, 65536):
        c.add(cat, "wire_random_%d" % n, bytes(rng.getrandbits(8) for _ in range(n)), xin)
    c.add(cat, "wire_all_ff", b"\xff" * 4096, xin)
    c.add(cat, "wire_all_zero", b"\x00" * 4096, xin, expect="field number")
    c.add(cat, "wire_text_file", b"this is not an onnx model\n" * 10, xin)
    c.add(cat, "wire_npy_as_model", npy_bytes(x_input()), xin)
    # Varints.
    c.add(cat, "wire_varint_11_bytes", b"\x08" + b"\xff" * 10 + b"\x01" + base, xin, expect="varint")
    c.add(cat, "wire_varint_truncated_at_eof", base + b"\x08\xff\xff", xin, expect="varint")
    c.add(cat, "wire_key_varint_overlong", b"\xff" * 11, xin, expect="varint")
    c.add(cat, "wire_length_past_end", f_varint(1, 8) + key(7, LEN) + varint(1000) + b"\x0a\x00", xin,
          expect="past the end")
    c.add(cat, "wire_length_2pow63", f_varint(1, 8) + key(7, LEN) + varint(1 << 63) + b"\x00" * 32, xin,
          expect="past the end")
    c.add(cat, "wire_length_2pow64_minus1", key(7, LEN) + varint((1 << 64) - 1) + b"\x00" * 32, xin)
    # Wire types.
    for wt in (3, 4, 6, 7):
        c.add(cat, "wire_type_%d" % wt, f_varint(1, 8) + key(9, wt) + b"\x00" * 16 + base, xin, expect="wire type")
    c.add(cat, "wire_field_zero", b"\x02\x00" + base, xin, expect="field number")
    c.add(cat, "wire_graph_as_varint", f_varint(1, 8) + f_varint(7, 5) + f_bytes(8, f_varint(2, 13)), xin,
          expect="wire type")
    c.add(cat, "wire_node_as_fixed32",
          model_msg(key(1, FIXED32) + b"\0\0\0\0" + relu_graph_raw()), [("x.npy", np.ones([1, 4], np.float32))],
          expect="wire type")
    c.add(cat, "wire_dims_as_fixed64",
          model_msg(relu_graph_raw(extra_inits=[f_fixed64(1, b"\1" * 8) + f_varint(2, 1) + f_bytes(8, "k")])),
          [("x.npy", np.ones([1, 4], np.float32))], expect="wire type")
    c.add(cat, "wire_packed_float_not_multiple_of_4",
          model_msg(relu_graph_raw(extra_inits=[tensor_msg("k", [2], 1, extra=f_bytes(4, b"\0" * 7))])),
          [("x.npy", np.ones([1, 4], np.float32))], expect="multiple of 4")
    c.add(cat, "wire_packed_double_not_multiple_of_8",
          model_msg(relu_graph_raw(extra_inits=[tensor_msg("k", [2], 11, extra=f_bytes(10, b"\0" * 15))])),
          [("x.npy", np.ones([1, 4], np.float32))], expect="multiple of 8")
    c.add(cat, "wire_packed_varint_truncated",
          model_msg(relu_graph_raw(extra_inits=[tensor_msg("k", [2], 7, extra=f_bytes(7, b"\x01\xff"))])),
          [("x.npy", np.ones([1, 4], np.float32))], expect="varint")
    inner_bad = graph_msg(nodes=[node_msg("Relu", ["x"], ["y"])]) + key(1, LEN) + varint(50) + b"\x0a"
    c.add(cat, "wire_inner_length_past_end", model_msg(inner_bad), xin, expect="past the end")
    c.add(cat, "wire_no_graph", f_varint(1, 8) + f_bytes(2, "p") + f_bytes(8, f_varint(2, 13)), xin,
          expect="no graph")
    c.add(cat, "wire_two_graphs", model_msg(relu_graph_raw()) + f_bytes(7, relu_graph_raw()),
          [("x.npy", np.ones([1, 4], np.float32))], expect="more than one graph")
    c.add(cat, "wire_model_missing", None, xin, note="model path does not exist")
    c.add(cat, "wire_model_is_directory", None, xin, model_name="adir",
          setup=lambda d: os.mkdir(os.path.join(d, "adir")))
    c.add(cat, "wire_model_is_fifo", None, xin, model_name="fifo",
          setup=lambda d: os.mkfifo(os.path.join(d, "fifo")), note="opening a FIFO must not block")
    c.add(cat, "wire_model_is_dev_zero", None, xin, setup=lambda d: os.symlink("/dev/zero", os.path.join(d, "model.onnx")),
          note="a character device behind a symlink: must not be read forever")
    c.add(cat, "wire_attribute_fixed64_float", model_msg(graph_msg(
        nodes=[node_msg("LeakyRelu", ["x"], ["y"], "victim", f_bytes(5, f_bytes(1, "alpha") + f_fixed64(2, b"\0" * 8)))],
        inputs=[value_info_msg("x", tensor_type(1, [1, 4]))], outputs=[value_info_msg("y", tensor_type(1, [1, 4]))])),
        [("x.npy", np.ones([1, 4], np.float32))], expect="wire type")


def gen_tensor(c):
    cat = "tensor"
    ones = [("x.npy", np.ones([1, 4], np.float32))]

    def with_init(t, op="Add"):
        # y = x + k, k a [4] float initializer given as raw bytes
        return model_msg(graph_msg(
            nodes=[node_msg(op, ["x", "k"], ["y"], "victim")], inits=[t],
            inputs=[value_info_msg("x", tensor_type(1, [1, 4]))],
            outputs=[value_info_msg("y", tensor_type(1, [1, 4]))]))

    c.add(cat, "control_tensor_raw", with_init(tensor_msg("k", [4], 1, raw=b"\0" * 16)), ones, expect_exit=0)
    c.add(cat, "tensor_raw_too_short", with_init(tensor_msg("k", [4], 1, raw=b"\0" * 15)), ones, expect="raw_data")
    c.add(cat, "tensor_raw_too_long", with_init(tensor_msg("k", [4], 1, raw=b"\0" * 17)), ones, expect="raw_data")
    c.add(cat, "tensor_raw_empty_for_4", with_init(tensor_msg("k", [4], 1, raw=b"")), ones, expect="raw_data")
    c.add(cat, "tensor_raw_for_huge_dims", with_init(tensor_msg("k", [1 << 20, 1 << 20], 1, raw=b"\0" * 16)), ones,
          expect="raw_data")
    c.add(cat, "tensor_no_payload", with_init(tensor_msg("k", [4], 1)), ones, expect="float_data")
    fl = lambda n: f_bytes(4, struct.pack("<%df" % n, *([1.0] * n)))
    c.add(cat, "tensor_float_data_too_few", with_init(tensor_msg("k", [4], 1, extra=fl(3))), ones, expect="float_data")
    c.add(cat, "tensor_float_data_too_many", with_init(tensor_msg("k", [4], 1, extra=fl(5))), ones, expect="float_data")
    c.add(cat, "tensor_float_data_unpacked_too_many",
          with_init(tensor_msg("k", [4], 1, extra=b"".join(f_fixed32(4, b"\0\0\x80\x3f") for _ in range(6)))), ones,
          expect="float_data")
    c.add(cat, "tensor_float_data_for_2pow40",
          with_init(tensor_msg("k", [1 << 40], 1, extra=fl(4))), ones, expect="float_data")
    i64m = lambda op, dims, n: model_msg(graph_msg(
        nodes=[node_msg(op, ["x", "k"], ["y"], "victim")],
        inits=[tensor_msg("k", dims, 7, extra=packed_varints(7, list(range(n))))],
        inputs=[value_info_msg("x", tensor_type(7, [1, 4]))], outputs=[value_info_msg("y", tensor_type(7, [1, 4]))]))
    ones64 = [("x.npy", np.ones([1, 4], np.int64))]
    c.add(cat, "control_tensor_int64_data", i64m("Add", [4], 4), ones64, expect_exit=0)
    c.add(cat, "tensor_int64_data_too_few", i64m("Add", [4], 2), ones64, expect="int64_data")
    c.add(cat, "tensor_int64_data_too_many", i64m("Add", [4], 9), ones64, expect="int64_data")
    i32m = lambda n, dt=6: model_msg(graph_msg(
        nodes=[node_msg("Add", ["x", "k"], ["y"], "victim")],
        inits=[tensor_msg("k", [4], dt, extra=packed_varints(5, list(range(n))))],
        inputs=[value_info_msg("x", tensor_type(dt, [1, 4]))], outputs=[value_info_msg("y", tensor_type(dt, [1, 4]))]))
    ones32 = [("x.npy", np.ones([1, 4], np.int32))]
    c.add(cat, "tensor_int32_data_too_few", i32m(3), ones32, expect="int32_data")
    c.add(cat, "tensor_int32_data_too_many", i32m(6), ones32, expect="int32_data")
    c.add(cat, "tensor_fp16_int32_data_wrong_count", i32m(7, 10), [("x.npy", np.ones([1, 4], np.float16))],
          expect="int32_data")
    dbl = model_msg(graph_msg(
        nodes=[node_msg("Add", ["x", "k"], ["y"], "victim")],
        inits=[tensor_msg("k", [4], 11, extra=f_bytes(10, struct.pack("<3d", 1, 2, 3)))],
        inputs=[value_info_msg("x", tensor_type(11, [1, 4]))], outputs=[value_info_msg("y", tensor_type(11, [1, 4]))]))
    c.add(cat, "tensor_double_data_too_few", dbl, [("x.npy", np.ones([1, 4], np.float64))], expect="double_data")
    u64 = model_msg(graph_msg(
        nodes=[node_msg("Identity", ["k"], ["y"], "victim")],
        inits=[tensor_msg("k", [4], 13, extra=packed_varints(11, [1, 2, 3, 4, 5]))],
        outputs=[value_info_msg("y", tensor_type(13, [4]))]))
    c.add(cat, "tensor_uint64_data_too_many", u64, [], expect="uint64_data")
    c.add(cat, "tensor_raw_and_typed", with_init(tensor_msg("k", [4], 1, raw=b"\0" * 16, extra=fl(4))), ones,
          expect="raw_data")
    c.add(cat, "tensor_two_typed_fields",
          with_init(tensor_msg("k", [4], 1, extra=fl(4) + packed_varints(7, [1, 2, 3, 4]))), ones)
    c.add(cat, "tensor_dims_overflow_int64", with_init(tensor_msg("k", [1 << 32, 1 << 32], 1, raw=b"\0" * 16)), ones,
          expect="overflow")
    c.add(cat, "tensor_dims_overflow_3d", with_init(tensor_msg("k", [1 << 21, 1 << 21, 1 << 21], 1, raw=b"")), ones,
          expect="overflow")
    c.add(cat, "tensor_bytes_overflow", with_init(tensor_msg("k", [1 << 62], 11, raw=b"")), ones, expect="overflow")
    c.add(cat, "tensor_dim_2pow63_minus1_squared",
          with_init(tensor_msg("k", [(1 << 63) - 1, 2], 1, raw=b"\0" * 16)), ones, expect="overflow")
    c.add(cat, "tensor_negative_dim", with_init(tensor_msg("k", [-1], 1, raw=b"")), ones, expect="negative")
    c.add(cat, "tensor_negative_dim_times_negative", with_init(tensor_msg("k", [-2, -2], 1, raw=b"\0" * 16)), ones,
          expect="negative")
    c.add(cat, "tensor_rank_100", with_init(tensor_msg("k", [1] * 100, 1, raw=b"\0" * 4)), ones, expect="rank")
    c.add(cat, "tensor_unknown_dtype", with_init(tensor_msg("k", [4], 99, raw=b"\0" * 16)), ones, expect="data type")
    c.add(cat, "tensor_undefined_dtype", with_init(tensor_msg("k", [4], 0, raw=b"\0" * 16)), ones, expect="data type")
    c.add(cat, "tensor_string_dtype", with_init(tensor_msg("k", [1], 8, extra=f_bytes(6, "abc"))), ones,
          expect="string")
    c.add(cat, "tensor_segmented", with_init(tensor_msg("k", [4], 1, raw=b"\0" * 16, extra=f_bytes(3, f_varint(1, 0)))),
          ones, expect="segment")
    c.add(cat, "tensor_initializer_no_name",
          with_init(tensor_msg(None, [4], 1, raw=b"\0" * 16)), ones)
    c.add(cat, "tensor_initializer_twice", model_msg(graph_msg(
        nodes=[node_msg("Add", ["x", "k"], ["y"], "victim")],
        inits=[tensor_msg("k", [4], 1, raw=b"\0" * 16), tensor_msg("k", [4], 1, raw=b"\0" * 16)],
        inputs=[value_info_msg("x", tensor_type(1, [1, 4]))], outputs=[value_info_msg("y", tensor_type(1, [1, 4]))])),
        ones, expect="twice")
    const_attr = lambda t: f_bytes(5, f_bytes(1, "value") + f_varint(20, 4) + f_bytes(5, t))
    const = lambda t: model_msg(graph_msg(
        nodes=[node_msg("Constant", [], ["k"], "victim", const_attr(t)), node_msg("Add", ["x", "k"], ["y"], "add")],
        inputs=[value_info_msg("x", tensor_type(1, [1, 4]))], outputs=[value_info_msg("y", tensor_type(1, [1, 4]))]))
    c.add(cat, "control_constant_attr_tensor", const(tensor_msg("", [4], 1, raw=b"\0" * 16)), ones, expect_exit=0)
    c.add(cat, "tensor_constant_attr_raw_short", const(tensor_msg("", [4], 1, raw=b"\0" * 3)), ones, expect="raw_data")
    c.add(cat, "tensor_constant_attr_dims_overflow", const(tensor_msg("", [1 << 40, 1 << 40], 1, raw=b"")), ones,
          expect="overflow")
    c.add(cat, "tensor_constant_attr_negative_dim", const(tensor_msg("", [4, -7], 1, raw=b"")), ones,
          expect="negative")
    c.add(cat, "tensor_attr_tensors_bad_payload", model_msg(graph_msg(
        nodes=[node_msg("Relu", ["x"], ["y"], "victim",
                        f_bytes(5, f_bytes(1, "foo") + f_varint(20, 9) + f_bytes(10, tensor_msg("", [4], 1, raw=b"")))) ],
        inputs=[value_info_msg("x", tensor_type(1, [1, 4]))], outputs=[value_info_msg("y", tensor_type(1, [1, 4]))])),
        ones, note="TENSORS attribute whose tensor disagrees with its dims")


def gen_graph(c):
    cat = "graph"
    x = [vi("x", F32, [1, 4])]
    y = [vi("y", F32, [1, 4])]
    ones = [("x.npy", np.ones([1, 4], np.float32))]
    N = helper.make_node

    def g(nodes, inputs=x, outputs=y, inits=(), opset=13, ir=8):
        return model(nodes, inputs, outputs, inits=inits, opset=opset, ir=ir)

    c.add(cat, "control_graph_chain", g([N("Relu", ["x"], ["a"], "n1"), N("Neg", ["a"], ["y"], "n2")]), ones,
          expect_exit=0)
    c.add(cat, "graph_cycle_two_nodes",
          g([N("Add", ["x", "b"], ["a"], "n1"), N("Relu", ["a"], ["b"], "n2"), N("Identity", ["a"], ["y"], "n3")]),
          ones, expect="cycle")
    c.add(cat, "graph_self_loop", g([N("Add", ["x", "y"], ["y"], "n1")]), ones, expect="cycle")
    c.add(cat, "graph_cycle_three_nodes_behind_valid_path",
          g([N("Relu", ["x"], ["a"], "n0"), N("Add", ["a", "d"], ["b"], "n1"), N("Relu", ["b"], ["c"], "n2"),
             N("Neg", ["c"], ["d"], "n3"), N("Identity", ["a"], ["y"], "n4")]), ones, expect="cycle")
    c.add(cat, "graph_dangling_input", g([N("Add", ["x", "nowhere"], ["y"], "victim")]), ones, expect="nowhere")
    c.add(cat, "graph_output_not_produced", g([N("Relu", ["x"], ["a"], "n1")]), ones, expect="'y'")
    c.add(cat, "graph_duplicate_node_outputs", g([N("Relu", ["x"], ["y"], "n1"), N("Neg", ["x"], ["y"], "n2")]), ones,
          expect="'y'")
    c.add(cat, "graph_output_shadows_input", g([N("Relu", ["x"], ["x"], "n1"), N("Neg", ["x"], ["y"], "n2")]), ones,
          expect="'x'")
    c.add(cat, "graph_output_shadows_initializer",
          g([N("Relu", ["x"], ["k"], "n1"), N("Add", ["x", "k"], ["y"], "n2")],
            inits=[numpy_helper.from_array(np.ones([4], np.float32), "k")]), ones, expect="'k'")
    c.add(cat, "graph_output_listed_twice", g([N("Relu", ["x"], ["y"], "n1")], outputs=y + y), ones, expect="twice")
    c.add(cat, "graph_no_outputs", g([N("Relu", ["x"], ["y"], "n1")], outputs=[]), ones, expect="no outputs")
    c.add(cat, "graph_unsupported_op", g([N("NoSuchOp", ["x"], ["y"], "victim")]), ones, expect="NoSuchOp")
    c.add(cat, "graph_custom_domain", g([N("Relu", ["x"], ["y"], "victim", domain="com.example")]), ones,
          expect="com.example")
    c.add(cat, "graph_subgraph_op_if",
          g([N("If", ["x"], ["y"], "victim",
               then_branch=helper.make_graph([N("Relu", ["x"], ["t"])], "t", [], [vi("t", F32, [1, 4])]),
               else_branch=helper.make_graph([N("Neg", ["x"], ["e"])], "e", [], [vi("e", F32, [1, 4])]))]), ones)
    c.add(cat, "graph_opset_99", g([N("Relu", ["x"], ["y"], "n1")], opset=99), ones, expect="opset")
    c.add(cat, "graph_opset_0", g([N("Relu", ["x"], ["y"], "n1")], opset=0), ones, expect="opset")
    c.add(cat, "graph_opset_negative", g([N("Relu", ["x"], ["y"], "n1")], opset=-5), ones, expect="opset")
    no_opset = f_varint(1, 8) + f_bytes(7, relu_graph_raw())
    c.add(cat, "graph_no_opset_import", no_opset, ones, expect="opset")
    c.add(cat, "graph_two_onnx_opsets", model_msg(relu_graph_raw()) + f_bytes(8, f_bytes(1, "ai.onnx") + f_varint(2, 11)),
          ones, expect="opset")
    c.add(cat, "graph_node_no_op_type", model_msg(graph_msg(
        nodes=[f_bytes(1, "x") + f_bytes(2, "y") + f_bytes(3, "victim")],
        inputs=[value_info_msg("x", tensor_type(1, [1, 4]))], outputs=[value_info_msg("y", tensor_type(1, [1, 4]))])),
        ones, expect="op_type")
    c.add(cat, "graph_input_declared_twice", g([N("Relu", ["x"], ["y"], "n1")], inputs=x + x),
          [("x.npy", np.ones([1, 4], np.float32))], expect="twice")
    c.add(cat, "graph_input_no_name", g([N("Relu", [""], ["y"], "n1")], inputs=[vi("", F32, [1, 4])]), ones)
    c.add(cat, "graph_input_string_type", g([N("Identity", ["x"], ["y"], "n1")], inputs=[vi("x", TensorProto.STRING, [1])],
                                            outputs=[vi("y", TensorProto.STRING, [1])]), ones)
    c.add(cat, "graph_input_unknown_elem_type", model_msg(graph_msg(
        nodes=[node_msg("Relu", ["x"], ["y"])], inputs=[value_info_msg("x", tensor_type(77, [1, 4]))],
        outputs=[value_info_msg("y", tensor_type(1, [1, 4]))])), ones, expect="element type")
    seq = helper.make_sequence_value_info("x", F32, [1, 4]) if hasattr(helper, "make_sequence_value_info") else None
    if seq is not None:
        c.add(cat, "graph_input_sequence_type", g([N("Relu", ["x"], ["y"], "n1")], inputs=[seq]), ones,
              expect="not a tensor")
    c.add(cat, "graph_output_sequence_type", model_msg(graph_msg(
        nodes=[node_msg("Relu", ["x"], ["y"])], inputs=[value_info_msg("x", tensor_type(1, [1, 4]))],
        outputs=[value_info_msg("y", f_bytes(4, f_bytes(1, tensor_type(1, [1, 4]))))])), ones,
        note="a graph output declared as sequence<tensor> while the node makes a tensor")
    c.add(cat, "graph_input_negative_declared_dim", model_msg(graph_msg(
        nodes=[node_msg("Relu", ["x"], ["y"])], inputs=[value_info_msg("x", tensor_type(1, [1, -4]))],
        outputs=[value_info_msg("y", tensor_type(1, [1, 4]))])), ones, expect="negative")
    c.add(cat, "graph_input_rank_100", model_msg(graph_msg(
        nodes=[node_msg("Relu", ["x"], ["y"])], inputs=[value_info_msg("x", tensor_type(1, [1] * 100))],
        outputs=[value_info_msg("y", tensor_type(1, [1, 4]))])), ones, expect="rank")
    c.add(cat, "graph_attribute_no_name", model_msg(graph_msg(
        nodes=[node_msg("LeakyRelu", ["x"], ["y"], "victim", f_bytes(5, f_varint(20, 1) + f_fixed32(2, b"\0\0\0\0")))],
        inputs=[value_info_msg("x", tensor_type(1, [1, 4]))], outputs=[value_info_msg("y", tensor_type(1, [1, 4]))])),
        ones, expect="attribute")
    c.add(cat, "graph_node_without_outputs", g([N("Relu", ["x"], [], "victim"), N("Neg", ["x"], ["y"], "n2")]), ones,
          expect="victim")
    c.add(cat, "graph_node_repeats_an_output", g([N("Split", ["x"], ["y", "y"], "victim", axis=1)]), ones,
          expect="'y'")
    c.add(cat, "graph_relu_with_three_inputs", g([N("Relu", ["x", "x", "x"], ["y"], "victim")]), ones, expect="victim")
    c.add(cat, "graph_relu_with_omitted_input", g([N("Relu", [""], ["y"], "victim")]), ones, expect="victim")
    c.add(cat, "graph_gather_index_from_input_out_of_range", model(
        [N("Gather", ["x", "i"], ["y"], "victim", axis=1)], [vi("x", F32, [1, 4]), vi("i", I64, [2])],
        [vi("y", F32, None)]), ones + [("i.npy", np.array([1, 1 << 40], np.int64))], expect="victim",
        note="the error surfaces only while running")
    weird = "line1\nline2\rline3\x0bline4\x0c\x1c\x1d\x1e\x85\u2028\u2029end"
    c.add(cat, "graph_names_with_line_breaks", g([N("Add", ["x", weird], ["y"], weird)]),
          ones, note="node and input names full of line separators: the error must still be one line")
    c.add(cat, "graph_names_invalid_utf8", model_msg(graph_msg(
        nodes=[node_msg("Add", ["x", b"\xff\xfe\xc2\x85\xe2\x80\xa8\x80in"], ["y"], b"\xff\xfe\xc0\xafname")],
        inputs=[value_info_msg("x", tensor_type(1, [1, 4]))], outputs=[value_info_msg("y", tensor_type(1, [1, 4]))])),
        ones, note="the error line must stay one valid UTF-8 line")


def conv_model(attrs, w_shape=(4, 3, 3, 3), x_shape=X_SHAPE, op="Conv"):
    w = f32("w", list(w_shape), seed=3)
    return single_op(op, ["x", "w"], ["y"], attrs, inits=[w], graph_inputs=[vi("x", F32, x_shape)])


def gen_attr(c):
    cat = "attribute"
    xin = [("x.npy", x_input())]
    big = 1 << 62
    c.add(cat, "control_conv", conv_model({"pads": [1, 1, 1, 1], "strides": [2, 2]}), xin, expect_exit=0)
    c.add(cat, "conv_zero_strides", conv_model({"strides": [0, 1]}), xin, expect="victim")
    c.add(cat, "conv_negative_strides", conv_model({"strides": [-1, 1]}), xin, expect="victim")
    c.add(cat, "conv_zero_dilations", conv_model({"dilations": [1, 0]}), xin, expect="victim")
    c.add(cat, "conv_huge_dilations", conv_model({"dilations": [big, big]}), xin, expect="victim")
    c.add(cat, "conv_negative_pads", conv_model({"pads": [-1, 0, 0, 0]}), xin, expect="victim")
    c.add(cat, "conv_huge_pads", conv_model({"pads": [big, big, big, big]}), xin, expect="victim")
    c.add(cat, "conv_pads_wrong_length", conv_model({"pads": [1, 1, 1]}), xin, expect="victim")
    c.add(cat, "conv_strides_wrong_length", conv_model({"strides": [1, 1, 1]}), xin, expect="victim")
    c.add(cat, "conv_group_mismatch", conv_model({"group": 2}), xin, expect="victim")
    c.add(cat, "conv_group_zero", conv_model({"group": 0}), xin, expect="victim")
    c.add(cat, "conv_group_huge", conv_model({"group": 1 << 33}), xin, expect="victim")
    c.add(cat, "conv_group_out_channels", conv_model({"group": 3}, w_shape=(4, 1, 3, 3)), xin, expect="victim",
          note="M=4 is not a multiple of group=3")
    c.add(cat, "conv_kernel_shape_mismatch", conv_model({"kernel_shape": [5, 5]}), xin, expect="victim")
    c.add(cat, "conv_weight_channels_mismatch", conv_model({}, w_shape=(4, 5, 3, 3)), xin, expect="victim")
    c.add(cat, "conv_kernel_larger_than_input", conv_model({}, w_shape=(4, 3, 9, 9)), xin, expect="victim")
    c.add(cat, "conv_weight_rank_wrong", conv_model({}, w_shape=(4, 3, 3)), xin, expect="victim")
    c.add(cat, "conv_bad_auto_pad", conv_model({"auto_pad": "SIDEWAYS"}), xin, expect="victim")
    c.add(cat, "conv_strides_as_floats", conv_model({"strides": [1.0, 1.0]}), xin, expect="victim")
    c.add(cat, "convtranspose_zero_strides", conv_model({"strides": [0, 0]}, w_shape=(3, 4, 3, 3), op="ConvTranspose"),
          xin, expect="victim")
    c.add(cat, "convtranspose_huge_output_padding",
          conv_model({"strides": [2, 2], "output_padding": [big, big]}, w_shape=(3, 4, 3, 3), op="ConvTranspose"), xin,
          expect="victim")
    pool = lambda op, attrs: single_op(op, ["x"], ["y"], attrs)
    c.add(cat, "control_maxpool", pool("MaxPool", {"kernel_shape": [2, 2], "strides": [2, 2]}), xin, expect_exit=0)
    c.add(cat, "maxpool_zero_strides", pool("MaxPool", {"kernel_shape": [2, 2], "strides": [0, 0]}), xin,
          expect="victim")
    c.add(cat, "maxpool_negative_pads", pool("MaxPool", {"kernel_shape": [2, 2], "pads": [0, -1, 0, 0]}), xin,
          expect="victim")
    c.add(cat, "maxpool_no_kernel_shape", pool("MaxPool", {}), xin, expect="victim")
    c.add(cat, "maxpool_zero_kernel", pool("MaxPool", {"kernel_shape": [0, 2]}), xin, expect="victim")
    c.add(cat, "maxpool_zero_dilations", pool("MaxPool", {"kernel_shape": [2, 2], "dilations": [0, 1]}), xin,
          expect="victim")
    c.add(cat, "averagepool_kernel_larger_than_input", pool("AveragePool", {"kernel_shape": [20, 20]}), xin,
          expect="victim")
    c.add(cat, "averagepool_pad_not_smaller_than_kernel",
          pool("AveragePool", {"kernel_shape": [2, 2], "pads": [5, 5, 5, 5]}), xin, expect="victim")
    tr = lambda perm: single_op("Transpose", ["x"], ["y"], {"perm": perm})
    c.add(cat, "control_transpose", tr([0, 2, 3, 1]), xin, expect_exit=0)
    c.add(cat, "transpose_perm_duplicate", tr([0, 1, 1, 2]), xin, expect="victim")
    c.add(cat, "transpose_perm_out_of_range", tr([0, 1, 2, 4]), xin, expect="victim")
    c.add(cat, "transpose_perm_negative", tr([0, 1, 2, -1]), xin, expect="victim")
    c.add(cat, "transpose_perm_too_short", tr([0, 1]), xin, expect="victim")
    c.add(cat, "transpose_perm_2pow32", tr([0, 1, 2, (1 << 32) + 3]), xin, expect="victim",
          note="a perm entry that only looks valid after truncation to 32 bits")
    ax = lambda op, axis, extra=None, inits=(), ins=None, opset=13: single_op(
        op, ins or ["x"], ["y"], dict({"axis": axis}, **(extra or {})), inits=inits, opset=opset)
    c.add(cat, "control_softmax", ax("Softmax", -1), xin, expect_exit=0)
    c.add(cat, "softmax_axis_out_of_range", ax("Softmax", 4), xin, expect="victim")
    c.add(cat, "softmax_axis_negative_out_of_range", ax("Softmax", -5), xin, expect="victim")
    c.add(cat, "softmax_axis_2pow32", ax("Softmax", (1 << 32) + 1), xin, expect="victim")
    c.add(cat, "concat_axis_out_of_range", ax("Concat", 7, ins=["x", "x"]), xin, expect="victim")
    c.add(cat, "concat_rank_mismatch", single_op("Concat", ["x", "k"], ["y"], {"axis": 0},
                                                 inits=[f32("k", [2, 2], 4)]), xin, expect="victim")
    c.add(cat, "gather_axis_out_of_range", ax("Gather", 9, ins=["x", "i"], inits=[i64("i", [0])]), xin,
          expect="victim")
    c.add(cat, "gather_index_out_of_range", ax("Gather", 1, ins=["x", "i"], inits=[i64("i", [3, 1000])]), xin,
          expect="victim")
    c.add(cat, "gather_index_2pow62", ax("Gather", 1, ins=["x", "i"], inits=[i64("i", [1 << 62])]), xin,
          expect="victim")
    c.add(cat, "flatten_axis_out_of_range", ax("Flatten", 5), xin, expect="victim")
    c.add(cat, "split_axis_out_of_range", ax("Split", 4, opset=11), xin, expect="victim")
    c.add(cat, "split_sizes_do_not_add_up", single_op("Split", ["x", "s"], ["y"], {"axis": 1},
                                                      inits=[i64("s", [5])]), xin, expect="victim")
    c.add(cat, "reducesum_axes_out_of_range", single_op("ReduceSum", ["x"], ["y"], {"axes": [0, 6]}, opset=11), xin,
          expect="victim")
    c.add(cat, "reducemean_axes_repeated", single_op("ReduceMean", ["x"], ["y"], {"axes": [1, 1]}, opset=11), xin,
          expect="victim")
    c.add(cat, "argmax_axis_out_of_range", ax("ArgMax", -9), xin, expect="victim")
    c.add(cat, "squeeze_axes_out_of_range", single_op("Squeeze", ["x"], ["y"], {"axes": [10]}, opset=11), xin,
          expect="victim")
    c.add(cat, "squeeze_non_unit_axis", single_op("Squeeze", ["x"], ["y"], {"axes": [1]}, opset=11), xin,
          expect="victim")
    c.add(cat, "unsqueeze_axes_out_of_range", single_op("Unsqueeze", ["x"], ["y"], {"axes": [9]}, opset=11), xin,
          expect="victim")
    c.add(cat, "cumsum_axis_out_of_range", single_op("CumSum", ["x", "a"], ["y"], inits=[i64("a", 17, [])]), xin,
          expect="victim")
    c.add(cat, "topk_k_too_large", single_op("TopK", ["x", "k"], ["y", "i"], {"axis": 1}, inits=[i64("k", [50])]),
          xin, expect="victim")
    c.add(cat, "topk_k_negative", single_op("TopK", ["x", "k"], ["y", "i"], {"axis": 1}, inits=[i64("k", [-1])]), xin,
          expect="victim")
    c.add(cat, "depthtospace_zero_blocksize", single_op("DepthToSpace", ["x"], ["y"], {"blocksize": 0}), xin,
          expect="victim")
    c.add(cat, "spacetodepth_zero_blocksize", single_op("SpaceToDepth", ["x"], ["y"], {"blocksize": 0}), xin,
          expect="victim")
    c.add(cat, "spacetodepth_huge_blocksize", single_op("SpaceToDepth", ["x"], ["y"], {"blocksize": 1 << 40}), xin,
          expect="victim")
    c.add(cat, "lrn_zero_size", single_op("LRN", ["x"], ["y"], {"size": 0}), xin, expect="victim")
    c.add(cat, "slice_zero_step", single_op("Slice", ["x", "s", "e", "a", "st"], ["y"],
                                            inits=[i64("s", [0]), i64("e", [4]), i64("a", [2]), i64("st", [0])]), xin,
          expect="victim")
    c.add(cat, "slice_axis_out_of_range", single_op("Slice", ["x", "s", "e", "a"], ["y"],
                                                    inits=[i64("s", [0]), i64("e", [4]), i64("a", [8])]), xin,
          expect="victim")
    c.add(cat, "cast_to_unknown_type", single_op("Cast", ["x"], ["y"], {"to": 99}), xin, expect="victim")
    c.add(cat, "cast_to_string", single_op("Cast", ["x"], ["y"], {"to": TensorProto.STRING}), xin, expect="victim")
    c.add(cat, "onehot_negative_depth", single_op("OneHot", ["i", "d", "v"], ["y"],
                                                  inits=[i64("i", [1, 2]), i64("d", [-3]),
                                                         numpy_helper.from_array(np.array([0, 1], np.float32), "v")],
                                                  graph_inputs=[]), [], expect="victim")
    c.add(cat, "matmul_shape_mismatch", single_op("MatMul", ["x", "k"], ["y"], inits=[f32("k", [5, 2], 5)]), xin,
          expect="victim")
    c.add(cat, "gemm_shape_mismatch", single_op("Gemm", ["a", "k"], ["y"], inits=[f32("k", [5, 2], 5)],
                                                graph_inputs=[vi("a", F32, [3, 4])]),
          [("a.npy", np.ones([3, 4], np.float32))], expect="victim")
    c.add(cat, "add_broadcast_mismatch", single_op("Add", ["x", "k"], ["y"], inits=[f32("k", [5], 5)]), xin,
          expect="victim")
    c.add(cat, "reshape_count_mismatch", single_op("Reshape", ["x", "s"], ["y"], inits=[i64("s", [7, 7])]), xin,
          expect="victim")
    c.add(cat, "reshape_two_minus_ones", single_op("Reshape", ["x", "s"], ["y"], inits=[i64("s", [-1, -1])]), xin,
          expect="victim")
    c.add(cat, "reshape_negative_dim", single_op("Reshape", ["x", "s"], ["y"], inits=[i64("s", [-2, -96])]), xin,
          expect="victim")
    c.add(cat, "batchnorm_wrong_param_size", single_op(
        "BatchNormalization", ["x", "s", "b", "m", "v"], ["y"],
        inits=[f32("s", [2], 1), f32("b", [2], 2), f32("m", [2], 3), f32("v", [2], 4)]), xin, expect="victim")
    c.add(cat, "resize_bad_mode", single_op("Resize", ["x", "", "sc"], ["y"], {"mode": "bogus"},
                                            inits=[numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "sc")]),
          xin, expect="victim")
    c.add(cat, "pad_negative_beyond_size", single_op("Pad", ["x", "p"], ["y"], inits=[i64("p", [0, 0, -20, 0, 0, 0, 0, 0])]),
          xin, expect="victim")
    c.add(cat, "where_wrong_cond_type", single_op("Where", ["x", "x", "x"], ["y"]), xin, expect="victim")


def gen_huge(c):
    cat = "huge_shape"
    xin = [("x.npy", x_input())]
    T = 1 << 20  # 1M: [T, T] float32 is 4 TiB

    c.add(cat, "control_expand", single_op("Expand", ["x", "s"], ["y"], inits=[i64("s", [2, 3, 8, 8])]), xin,
          expect_exit=0)
    c.add(cat, "expand_terabytes_const_shape",
          single_op("Expand", ["x", "s"], ["y"], inits=[i64("s", [T, T, 8, 8])]), xin, expect="victim")
    c.add(cat, "expand_terabytes_shape_from_input",
          single_op("Expand", ["x", "s"], ["y"], graph_inputs=[vi("x", F32, X_SHAPE), vi("s", I64, [4])]),
          xin + [("s.npy", np.array([T, T, 8, 8], np.int64))], expect="victim")
    c.add(cat, "expand_dims_overflow",
          single_op("Expand", ["x", "s"], ["y"], inits=[i64("s", [1 << 62, 1 << 62, 8, 8])]), xin, expect="victim")
    c.add(cat, "expand_negative_dim", single_op("Expand", ["x", "s"], ["y"], inits=[i64("s", [-2, 3, 8, 8])]), xin,
          expect="victim")
    cos = lambda shape, from_input=False: (
        single_op("ConstantOfShape", ["s"], ["y"], graph_inputs=[vi("s", I64, [len(shape)])])
        if from_input else single_op("ConstantOfShape", ["s"], ["y"], inits=[i64("s", shape)], graph_inputs=[]))
    c.add(cat, "constantofshape_terabytes", cos([T, T, 4]), [], expect="victim")
    c.add(cat, "constantofshape_terabytes_from_input", cos([T, T, 4], True),
          [("s.npy", np.array([T, T, 4], np.int64))], expect="victim")
    c.add(cat, "constantofshape_overflow", cos([1 << 62, 1 << 62]), [], expect="victim")
    c.add(cat, "constantofshape_negative", cos([4, -1]), [], expect="victim")
    c.add(cat, "constantofshape_8gib", cos([1 << 31, 4]), [], expect="victim",
          note="8 GiB: over the default per-tensor cap")
    c.add(cat, "reshape_terabytes", single_op("Reshape", ["x", "s"], ["y"], inits=[i64("s", [T, T, T])]), xin,
          expect="victim")
    c.add(cat, "reshape_overflow", single_op("Reshape", ["x", "s"], ["y"], inits=[i64("s", [1 << 62, 1 << 62, -1])]),
          xin, expect="victim")
    c.add(cat, "tile_terabytes", single_op("Tile", ["x", "r"], ["y"], inits=[i64("r", [T, T, 1, 1])]), xin,
          expect="victim")
    c.add(cat, "tile_terabytes_from_input",
          single_op("Tile", ["x", "r"], ["y"], graph_inputs=[vi("x", F32, X_SHAPE), vi("r", I64, [4])]),
          xin + [("r.npy", np.array([1, T, T, 1], np.int64))], expect="victim")
    c.add(cat, "tile_overflow", single_op("Tile", ["x", "r"], ["y"], inits=[i64("r", [1 << 62, 1 << 62, 1, 1])]), xin,
          expect="victim")
    c.add(cat, "tile_negative", single_op("Tile", ["x", "r"], ["y"], inits=[i64("r", [1, -1, 1, 1])]), xin,
          expect="victim")
    c.add(cat, "range_terabytes", single_op("Range", ["a", "b", "d"], ["y"],
                                            inits=[i64("a", 0, []), i64("b", 1 << 60, []), i64("d", 1, [])],
                                            graph_inputs=[], graph_outputs=[vi("y", I64, None)]), [], expect="victim")
    c.add(cat, "range_zero_delta", single_op("Range", ["a", "b", "d"], ["y"],
                                             inits=[i64("a", 0, []), i64("b", 10, []), i64("d", 0, [])],
                                             graph_inputs=[], graph_outputs=[vi("y", I64, None)]), [], expect="victim")
    c.add(cat, "range_int64_span_overflow", single_op(
        "Range", ["a", "b", "d"], ["y"], inits=[i64("a", -(1 << 63), []), i64("b", (1 << 63) - 1, []), i64("d", 3, [])],
        graph_inputs=[], graph_outputs=[vi("y", I64, None)]), [], expect="victim")
    c.add(cat, "pad_terabytes", single_op("Pad", ["x", "p"], ["y"], inits=[i64("p", [0, 0, T, T, 0, 0, T, T])]), xin,
          expect="victim")
    c.add(cat, "pad_overflow", single_op("Pad", ["x", "p"], ["y"],
                                         inits=[i64("p", [0, 0, 1 << 62, 1 << 62, 0, 0, 1 << 62, 1 << 62])]), xin,
          expect="victim")
    c.add(cat, "resize_huge_scales", single_op(
        "Resize", ["x", "", "sc"], ["y"], inits=[numpy_helper.from_array(np.array([1, 1, 1e9, 1e9], np.float32), "sc")]),
        xin, expect="victim")
    c.add(cat, "resize_inf_scales", single_op(
        "Resize", ["x", "", "sc"], ["y"],
        inits=[numpy_helper.from_array(np.array([1, 1, np.inf, np.nan], np.float32), "sc")]), xin, expect="victim")
    c.add(cat, "resize_huge_sizes", single_op(
        "Resize", ["x", "", "", "sz"], ["y"], inits=[i64("sz", [1, 3, T, T])]), xin, expect="victim")
    c.add(cat, "upsample_huge_scales", single_op(
        "Upsample", ["x", "sc"], ["y"], inits=[numpy_helper.from_array(np.array([1, 1, 1e9, 1e9], np.float32), "sc")],
        opset=9), xin, expect="victim")
    c.add(cat, "matmul_terabytes", single_op("MatMul", ["a", "b"], ["y"],
                                             graph_inputs=[vi("a", F32, [T, 1]), vi("b", F32, [1, T])]),
          [("a.npy", np.ones([T, 1], np.float32)), ("b.npy", np.ones([1, T], np.float32))], expect="victim")
    c.add(cat, "add_broadcast_terabytes", single_op("Add", ["a", "b"], ["y"],
                                                    graph_inputs=[vi("a", F32, [T, 1]), vi("b", F32, [1, T])]),
          [("a.npy", np.ones([T, 1], np.float32)), ("b.npy", np.ones([1, T], np.float32))], expect="victim")
    c.add(cat, "onehot_huge_depth", single_op("OneHot", ["i", "d", "v"], ["y"],
                                              inits=[i64("i", [1, 2]), i64("d", [1 << 40]),
                                                     numpy_helper.from_array(np.array([0, 1], np.float32), "v")],
                                              graph_inputs=[]), [], expect="victim")
    c.add(cat, "declared_input_terabytes", single_op("Relu", ["x"], ["y"], graph_inputs=[vi("x", F32, [T, T, T])]),
          xin, expect="'x'")
    c.add(cat, "declared_input_dims_overflow",
          single_op("Relu", ["x"], ["y"], graph_inputs=[vi("x", F32, [1 << 62, 1 << 62, 1 << 62])]), xin,
          expect="'x'")
    c.add(cat, "declared_input_terabytes_no_input_file",
          single_op("Relu", ["x"], ["y"], graph_inputs=[vi("x", F32, [T, T, T])]), [], expect="'x'")
    # Many individually-allowed tensors whose sum is huge: 8 x 2 GiB outputs.
    nodes = [helper.make_node("ConstantOfShape", ["s"], ["c%d" % i], name="c%d" % i) for i in range(8)]
    outs = [vi("c%d" % i, F32, None) for i in range(8)]
    c.add(cat, "many_2gib_outputs", model(nodes, [], outs, inits=[i64("s", [1 << 29])]), [],
          note="every tensor is under the per-tensor cap, together they are 16 GiB")


def gen_scale(c):
    """Large but cheap-to-store graphs whose processing must stay near-linear,
    each ending in an error, so a quadratic pass shows up as a timeout."""
    cat = "scale"
    ones = [("x.npy", np.ones([1, 4], np.float32))]
    io = lambda outs: dict(inputs=[value_info_msg("x", tensor_type(1, [1, 4]))] + outs[0], outputs=outs[1])
    n = 40000
    # A chain of foldable nodes on a constant (planned by constant folding),
    # then an Add whose shapes do not broadcast.
    chain = [node_msg("Neg", ["k" if i == 0 else "t%d" % (i - 1)], ["t%d" % i]) for i in range(n)]
    chain.append(node_msg("Add", ["x", "t%d" % (n - 1)], ["y"], "victim"))
    c.add(cat, "scale_constant_chain_40000_then_error", model_msg(graph_msg(
        nodes=chain, inits=[tensor_msg("k", [3], 1, raw=b"\0" * 12)],
        **io(([], [value_info_msg("y", tensor_type(1, [1, 4]))])))), ones, expect="victim")
    # A chain of dynamic nodes (Reshape to a shape given as an input), then a
    # Gather whose indices, also an input, are out of range.
    chain = [node_msg("Reshape", ["x" if i == 0 else "t%d" % (i - 1), "s"], ["t%d" % i]) for i in range(n)]
    chain.append(node_msg("Gather", ["t%d" % (n - 1), "i"], ["y"], "victim"))
    c.add(cat, "scale_dynamic_chain_40000_then_error", model_msg(graph_msg(
        nodes=chain, **io(([value_info_msg("s", tensor_type(7, [2])), value_info_msg("i", tensor_type(7, [1]))],
                           [f_bytes(1, "y")])))),
        ones + [("s.npy", np.array([2, 2], np.int64)), ("i.npy", np.array([7], np.int64))], expect="victim")
    # 300000 graph inputs listed again as outputs, the last one twice.
    m = 300000
    ins = [value_info_msg("i%d" % k, tensor_type(1, [1])) for k in range(m)]
    outs = [f_bytes(1, "i%d" % k) for k in range(m)] + [f_bytes(1, "i%d" % (m - 1))]  # names only, no type
    c.add(cat, "scale_300000_outputs_last_twice", model_msg(graph_msg(inputs=ins, outputs=outs)), [],
          expect="listed twice")


def gen_nesting(c):
    cat = "nesting"
    ones = [("x.npy", np.ones([1, 4], np.float32))]
    inner = tensor_type(1, [1, 4])  # TypeProto{tensor_type}

    def deep_seq(levels):
        # TypeProto{sequence_type(4): Sequence{elem_type(1): TypeProto{...}}}
        return nested_headers_bytes([4, 1] * levels, inner)

    def with_types(x_type=None, y_type=None, vinfo=None):
        g = graph_msg(nodes=[node_msg("Relu", ["x"], ["y"], "victim")],
                      inputs=[value_info_msg("x", x_type or tensor_type(1, [1, 4]))],
                      outputs=[value_info_msg("y", y_type or tensor_type(1, [1, 4]))])
        if vinfo is not None:
            g += f_bytes(13, value_info_msg("y", vinfo))
        return model_msg(g)

    c.add(cat, "control_nesting_plain", with_types(), ones, expect_exit=0)
    c.add(cat, "nesting_input_sequence_100000", with_types(x_type=deep_seq(100000)), ones)
    c.add(cat, "nesting_output_sequence_100000", with_types(y_type=deep_seq(100000)), ones)
    c.add(cat, "nesting_value_info_sequence_100000", with_types(vinfo=deep_seq(100000)), ones,
          note="libprotobuf refuses a 100000-deep message anywhere in the file")
    c.add(cat, "nesting_input_sequence_1000", with_types(x_type=deep_seq(1000)), ones)
    # optional(9){elem_type(1)} and map(5){value_type(2)} nests
    c.add(cat, "nesting_input_optional_100000", with_types(x_type=nested_headers_bytes([9, 1] * 100000, inner)), ones)
    c.add(cat, "nesting_output_map_100000",
          with_types(y_type=nested_headers_bytes([5, 2] * 100000, inner)), ones)
    # Subgraphs nested in attributes: NodeProto.attribute(5) -> AttributeProto.g(6)
    # -> GraphProto.node(1) -> NodeProto.attribute(5) -> ... Each attribute is
    # named and typed GRAPH, each node is a Relu.
    attr_prefix = f_bytes(1, "body") + f_varint(20, 5)
    relu = node_msg("Relu", ["x"], ["z"])

    def deep_node(levels, head):
        """NodeProto content: `head` node with a `levels`-deep chain of graph attributes."""
        chain = [(head, 5), (attr_prefix, 6), (b"", 1)] + [(relu, 5), (attr_prefix, 6), (b"", 1)] * (levels - 1)
        return nested(chain, relu)

    io = dict(inputs=[value_info_msg("x", tensor_type(1, [1, 4]))], outputs=[value_info_msg("y", tensor_type(1, [1, 4]))])
    c.add(cat, "nesting_graph_attribute_30000",
          model_msg(graph_msg(nodes=[deep_node(30000, node_msg("Relu", ["x"], ["y"], "victim"))], **io)), ones)
    deep_graph = f_bytes(1, deep_node(20000, relu))  # GraphProto content
    graphs_attr = f_bytes(1, "bodies") + f_varint(20, 10) + f_bytes(11, deep_graph)
    c.add(cat, "nesting_graphs_attribute_20000", model_msg(graph_msg(
        nodes=[node_msg("Relu", ["x"], ["y"], "victim", f_bytes(5, graphs_attr))], **io)), ones)
    tp_attr = f_bytes(1, "dtype") + f_varint(20, 13) + f_bytes(14, deep_seq(100000))
    c.add(cat, "nesting_type_proto_attribute_100000", model_msg(graph_msg(
        nodes=[node_msg("Relu", ["x"], ["y"], "victim", f_bytes(5, tp_attr))], **io)), ones)
    sparse = f_bytes(1, "values") + f_varint(20, 11) + f_bytes(22, f_bytes(1, tensor_msg("", [1], 1, raw=b"\0" * 4)) +
                                                                  f_bytes(2, tensor_msg("", [1], 7, raw=b"\0" * 8)))
    c.add(cat, "nesting_sparse_tensor_attribute", model_msg(graph_msg(
        nodes=[node_msg("Relu", ["x"], ["y"], "victim", f_bytes(5, sparse))], **io)), ones,
        note="SPARSE_TENSOR attribute: no supported op takes one")
    c.add(cat, "nesting_graph_attribute_on_relu", model_msg(graph_msg(
        nodes=[node_msg("Relu", ["x"], ["y"], "victim",
                        f_bytes(5, f_bytes(1, "body") + f_varint(20, 5) + f_bytes(6, relu_graph_raw())))],
        inputs=[value_info_msg("x", tensor_type(1, [1, 4]))], outputs=[value_info_msg("y", tensor_type(1, [1, 4]))])),
        ones, note="no supported op takes a subgraph")


def gen_external(c):
    cat = "external_data"
    ones = [("x.npy", np.ones([1, 4], np.float32))]

    def ext_model(location, offset=None, length=None, dims=(4,), extra_entries=()):
        entries = [("location", location)]
        if offset is not None:
            entries.append(("offset", str(offset)))
        if length is not None:
            entries.append(("length", str(length)))
        entries += list(extra_entries)
        ext = b"".join(f_bytes(13, f_bytes(1, k) + f_bytes(2, v)) for k, v in entries) + f_varint(14, 1)
        t = tensor_msg("k", list(dims), 1, extra=ext)
        return model_msg(graph_msg(
            nodes=[node_msg("Add", ["x", "k"], ["y"], "victim")], inits=[t],
            inputs=[value_info_msg("x", tensor_type(1, [1, 4]))],
            outputs=[value_info_msg("y", tensor_type(1, [1, 4]))]))

    data = struct.pack("<4f", 1, 2, 3, 4)

    def write(path, content=data):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(content)

    def in_case(fname, content=data):
        return lambda d: write(os.path.join(d, fname), content)

    c.add(cat, "control_external", ext_model("w.bin"), ones, setup=in_case("w.bin"), expect_exit=0)
    c.add(cat, "control_external_subdir_offset", ext_model("sub/w.bin", offset=4, length=16), ones,
          setup=in_case("sub/w.bin", b"\0" * 4 + data), expect_exit=0)
    # Every escaping case places a real, readable target where the escape would
    # land, so only the path rule can stop it.
    c.add(cat, "external_dotdot", ext_model("../outside.bin"), ones, expect="escapes",
          setup=lambda d: write(os.path.join(os.path.dirname(d), "outside.bin")))
    c.add(cat, "external_dotdot_in_middle", ext_model("sub/../../outside.bin"), ones,
          setup=lambda d: (write(os.path.join(d, "sub/x")), write(os.path.join(os.path.dirname(d), "outside.bin"))))
    c.add(cat, "external_dot_then_dotdot", ext_model("./../outside.bin"), ones,
          setup=lambda d: write(os.path.join(os.path.dirname(d), "outside.bin")))
    c.add(cat, "external_sub_dotdot_self", ext_model("sub/../w.bin"), ones,
          setup=lambda d: (write(os.path.join(d, "sub/x")), write(os.path.join(d, "w.bin"))),
          note="'..' is refused even when the result stays inside")
    c.add(cat, "external_absolute", ext_model("/etc/hostname", length=16), ones, expect="absolute")
    c.add(cat, "external_absolute_in_case_dir", None, ones, note="absolute path to a file right next to the model",
          setup=lambda d: (write(os.path.join(d, "w.bin")),
                           open(os.path.join(d, "model.onnx"), "wb").write(ext_model(os.path.join(d, "w.bin")))))
    c.add(cat, "external_double_slash_absolute", ext_model("//etc/hostname"), ones)
    c.add(cat, "external_backslash_dotdot", ext_model("..\\outside.bin"), ones)
    c.add(cat, "external_symlink_file_outside", ext_model("w.bin"), ones, expect="symlink",
          setup=lambda d: (write(os.path.join(os.path.dirname(d), "target_outside.bin")),
                           os.symlink("../target_outside.bin", os.path.join(d, "w.bin"))))
    c.add(cat, "external_symlink_file_inside", ext_model("w.bin"), ones, expect="symlink",
          setup=lambda d: (write(os.path.join(d, "real.bin")), os.symlink("real.bin", os.path.join(d, "w.bin"))))
    c.add(cat, "external_symlink_absolute_target", ext_model("w.bin", length=16), ones, expect="symlink",
          setup=lambda d: os.symlink("/etc/hostname", os.path.join(d, "w.bin")))
    c.add(cat, "external_symlink_directory", ext_model("sub/w.bin"), ones, expect="symlink",
          setup=lambda d: (write(os.path.join(os.path.dirname(d), "outside_dir", "w.bin")),
                           os.symlink("../outside_dir", os.path.join(d, "sub"))))
    c.add(cat, "external_dangling_symlink", ext_model("w.bin"), ones,
          setup=lambda d: os.symlink("does_not_exist.bin", os.path.join(d, "w.bin")))

    def hardlink_outside(d):
        target = os.path.join(os.path.dirname(d), "hardlink_target.bin")
        write(target)
        os.link(target, os.path.join(d, "w.bin"))

    c.add(cat, "external_hardlink_outside", ext_model("w.bin"), ones, expect="hard link", setup=hardlink_outside)
    c.add(cat, "external_hardlink_inside", ext_model("w.bin"), ones, expect="hard link",
          setup=lambda d: (write(os.path.join(d, "real.bin")),
                           os.link(os.path.join(d, "real.bin"), os.path.join(d, "w.bin"))))
    c.add(cat, "external_offset_past_end", ext_model("w.bin", offset=17), ones, setup=in_case("w.bin"),
          expect="offset")
    c.add(cat, "external_offset_length_past_end", ext_model("w.bin", offset=8, length=16), ones, setup=in_case("w.bin"))
    c.add(cat, "external_length_past_end", ext_model("w.bin", length=1 << 40, dims=(1 << 38,)), ones,
          setup=in_case("w.bin"))
    c.add(cat, "external_offset_length_wrap", ext_model("w.bin", offset=(1 << 64) - 8, length=16), ones,
          setup=in_case("w.bin"))
    c.add(cat, "external_length_wraps_from_valid_offset", ext_model("w.bin", offset=8, length=(1 << 64) - 4), ones,
          setup=in_case("w.bin"))
    c.add(cat, "external_offset_max_u64", ext_model("w.bin", offset=(1 << 64) - 1, length=1), ones,
          setup=in_case("w.bin"))
    c.add(cat, "external_offset_overflows_u64", ext_model("w.bin", offset="99999999999999999999999", length=16),
          ones, setup=in_case("w.bin"))
    c.add(cat, "external_offset_negative", ext_model("w.bin", offset="-4", length=16), ones, setup=in_case("w.bin"))
    c.add(cat, "external_offset_not_a_number", ext_model("w.bin", offset="0x10", length=16), ones,
          setup=in_case("w.bin"))
    c.add(cat, "external_length_mismatch_dims", ext_model("w.bin", length=12), ones, setup=in_case("w.bin"))
    c.add(cat, "external_file_too_small_for_dims", ext_model("w.bin", dims=(1 << 20, 1 << 20)), ones,
          setup=in_case("w.bin"))
    c.add(cat, "external_missing_file", ext_model("nope.bin"), ones, expect="not found")
    c.add(cat, "external_no_location", ext_model("", length=16), ones, setup=in_case("w.bin"))
    c.add(cat, "external_location_is_dir", ext_model("sub"), ones, setup=in_case("sub/w.bin"))
    c.add(cat, "external_location_dot", ext_model("."), ones)
    c.add(cat, "external_location_is_fifo", ext_model("w.fifo"), ones,
          setup=lambda d: os.mkfifo(os.path.join(d, "w.fifo")), note="must not block on open")
    c.add(cat, "external_location_nul_byte", ext_model("w.bin\0../../etc/passwd"), ones, setup=in_case("w.bin"))
    c.add(cat, "external_dims_overflow", ext_model("w.bin", dims=(1 << 40, 1 << 40)), ones, setup=in_case("w.bin"),
          expect="overflow")
    const_ext = model_msg(graph_msg(
        nodes=[node_msg("Constant", [], ["k"], "victim", f_bytes(5, f_bytes(1, "value") + f_varint(20, 4) + f_bytes(
            5, tensor_msg("", [4], 1, extra=f_bytes(13, f_bytes(1, "location") + f_bytes(2, "../outside.bin")) +
                          f_varint(14, 1))))),
               node_msg("Add", ["x", "k"], ["y"], "add")],
        inputs=[value_info_msg("x", tensor_type(1, [1, 4]))], outputs=[value_info_msg("y", tensor_type(1, [1, 4]))]))
    c.add(cat, "external_in_constant_attribute_dotdot", const_ext, ones, expect="escapes",
          setup=lambda d: write(os.path.join(os.path.dirname(d), "outside.bin")))
    c.add(cat, "external_in_input_pb", single_op("Relu", ["x"], ["y"], graph_inputs=[vi("x", F32, [4])]),
          [("x.pb", None)], setup=lambda d: (write(os.path.join(d, "w.bin")), open(os.path.join(d, "x.pb"), "wb").write(
              tensor_msg("x", [4], 1, extra=f_bytes(13, f_bytes(1, "location") + f_bytes(2, "w.bin")) +
                         f_varint(14, 1)))), expect="external")


def gen_inputs(c):
    cat = "input_file"
    m = single_op("Relu", ["x"], ["y"])
    good = x_input()
    c.add(cat, "control_input_npy", m, [("x.npy", good)], expect_exit=0)
    c.add(cat, "control_input_pb", m, [("x.pb", numpy_helper.from_array(good, "x").SerializeToString())],
          expect_exit=0)
    c.add(cat, "input_wrong_shape", m, [("x.npy", x_input(shape=[1, 3, 8, 9]))], expect="'x'")
    c.add(cat, "input_wrong_rank", m, [("x.npy", x_input(shape=[3, 8, 8]))], expect="'x'")
    c.add(cat, "input_wrong_dtype", m, [("x.npy", good.astype(np.float64))], expect="'x'")
    c.add(cat, "input_wrong_dtype_int", m, [("x.npy", good.astype(np.int32))], expect="'x'")
    c.add(cat, "input_pb_wrong_shape", m, [("x.pb", numpy_helper.from_array(x_input(shape=[2, 3, 8, 8])).SerializeToString())],
          expect="'x'")
    c.add(cat, "input_pb_wrong_dtype", m, [("x.pb", numpy_helper.from_array(good.astype(np.int64)).SerializeToString())],
          expect="'x'")
    nb = npy_bytes(good)
    c.add(cat, "npy_truncated_data", m, [("x.npy", nb[:-5])], expect="x.npy")
    c.add(cat, "npy_extra_data", m, [("x.npy", nb + b"\0" * 4)], expect="x.npy")
    c.add(cat, "npy_truncated_header", m, [("x.npy", nb[:40])], expect="x.npy")
    c.add(cat, "npy_magic_only", m, [("x.npy", b"\x93NUMPY")], expect="x.npy")
    c.add(cat, "npy_bad_version", m, [("x.npy", nb[:6] + b"\x09\x00" + nb[8:])], expect="x.npy")
    c.add(cat, "npy_header_len_past_end", m, [("x.npy", nb[:8] + b"\xff\xff" + nb[10:])], expect="x.npy")
    c.add(cat, "npy_v2_truncated", m, [("x.npy", b"\x93NUMPY\x02\x00\x10")], expect="x.npy")
    c.add(cat, "npy_v2_header_len_huge", m, [("x.npy", b"\x93NUMPY\x02\x00\xff\xff\xff\xff" + b"{" * 64)],
          expect="x.npy")
    data = good.tobytes()
    hdr = lambda text, d=data: [("x.npy", npy_raw(text, d))]
    c.add(cat, "npy_no_descr", m, hdr("{'fortran_order': False, 'shape': (1, 3, 8, 8), }"), expect="x.npy")
    c.add(cat, "npy_no_shape", m, hdr("{'descr': '<f4', 'fortran_order': False, }"), expect="x.npy")
    c.add(cat, "npy_no_fortran_order", m, hdr("{'descr': '<f4', 'shape': (1, 3, 8, 8), }"), expect="x.npy")
    c.add(cat, "npy_big_endian", m, hdr("{'descr': '>f4', 'fortran_order': False, 'shape': (1, 3, 8, 8), }"),
          expect="x.npy")
    c.add(cat, "npy_object_dtype", m, hdr("{'descr': '|O', 'fortran_order': False, 'shape': (1, 3, 8, 8), }"),
          expect="x.npy")
    c.add(cat, "npy_fortran_order", m, hdr("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 3, 8, 8), }"),
          expect="x.npy")
    c.add(cat, "npy_shape_not_numbers", m, hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (1, a, 8, 8), }"),
          expect="x.npy")
    c.add(cat, "npy_shape_negative", m, hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (1, -3, 8, 8), }"),
          expect="x.npy")
    c.add(cat, "npy_shape_unclosed", m, hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 8, 8, }"),
          expect="x.npy")
    c.add(cat, "npy_shape_overflow", m,
          hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999, 3), }"), expect="x.npy")
    c.add(cat, "npy_shape_product_overflow", m,
          hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4), }"), expect="x.npy")
    c.add(cat, "npy_shape_terabytes_small_data", m,
          hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576), }"), expect="x.npy")
    c.add(cat, "npy_shape_rank_100", m,
          hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % ", ".join(["1"] * 100), data[:4]),
          expect="x.npy")
    c.add(cat, "npy_empty_header", m, [("x.npy", b"\x93NUMPY\x01\x00\x00\x00")], expect="x.npy")
    c.add(cat, "npy_descr_unquoted", m, hdr("{'descr': f, 'fortran_order': False, 'shape': (1, 3, 8, 8), }"),
          expect="x.npy")
    pb = numpy_helper.from_array(good, "x").SerializeToString()
    c.add(cat, "pb_truncated", m, [("x.pb", pb[: len(pb) // 2])], expect="x.pb")
    c.add(cat, "pb_truncated_in_dims", m, [("x.pb", pb[:3])], expect="x.pb")
    c.add(cat, "pb_bad_varint", m, [("x.pb", b"\x08" + b"\xff" * 12 + pb)], expect="x.pb")
    c.add(cat, "pb_bad_wire_type", m, [("x.pb", b"\x0b" + pb)], expect="x.pb")
    c.add(cat, "pb_raw_too_short", m, [("x.pb", tensor_msg("x", X_SHAPE, 1, raw=data[:-4]))], expect="x.pb")
    c.add(cat, "pb_negative_dim", m, [("x.pb", tensor_msg("x", [1, 3, -8, -8], 1, raw=data))], expect="x.pb")
    c.add(cat, "pb_dims_overflow", m, [("x.pb", tensor_msg("x", [1 << 40, 1 << 40], 1, raw=data))], expect="x.pb")
    c.add(cat, "pb_no_data_type", m, [("x.pb", packed_varints(1, X_SHAPE) + f_bytes(9, data))], expect="x.pb")
    c.add(cat, "pb_random_bytes", m, [("x.pb", bytes(random.Random(7).getrandbits(8) for _ in range(512)))])
    c.add(cat, "input_empty_file", m, [("x.npy", b"")], expect="x.npy")
    c.add(cat, "input_missing_file", m, [("nope.npy", None)], expect="nope.npy")
    c.add(cat, "input_is_directory", m, [("adir", None)], setup=lambda d: os.mkdir(os.path.join(d, "adir")),
          expect="adir")
    c.add(cat, "input_is_fifo", m, [("x.fifo", None)], setup=lambda d: os.mkfifo(os.path.join(d, "x.fifo")),
          note="must not block on open")
    c.add(cat, "input_is_dev_zero", m, [("zero.npy", None)],
          setup=lambda d: os.symlink("/dev/zero", os.path.join(d, "zero.npy")), expect="zero.npy")
    c.add(cat, "input_too_many", m, [("x.npy", good), ("x2.npy", good)])
    c.add(cat, "input_missing", m, [], expect="'x'")
    c.add(cat, "input_given_twice_by_name", m, [("x=x.npy", good), ("x=x.npy", None)], expect="twice")


def main():
    if len(sys.argv) != 2 or sys.argv[1].startswith("-"):
        sys.stderr.write("usage: make_corpus.py OUT_DIR\n")
        return 2
    root = os.path.abspath(sys.argv[1])
    if os.path.exists(root):
        # Only ever replace a previous corpus (or an empty directory).
        if os.listdir(root) and not os.path.exists(os.path.join(root, "manifest.json")):
            sys.stderr.write("make_corpus.py: %s exists and is not a corpus; refusing to overwrite it\n" % root)
            return 2
        shutil.rmtree(root)
    os.makedirs(root)
    c = Corpus(root)
    for gen in (gen_wire, gen_tensor, gen_graph, gen_attr, gen_huge, gen_scale, gen_nesting, gen_external, gen_inputs):
        gen(c)
    c.write_manifest()
    bad = sum(1 for k in c.cases if k["expect_exit"] != 0)
    print("%d cases (%d malformed, %d controls) in %s" % (len(c.cases), bad, len(c.cases) - bad, root))
    return 0


if __name__ == "__main__":
    sys.exit(main())
