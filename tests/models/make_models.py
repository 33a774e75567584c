#!/usr/bin/python3
"""Builds the small real models of vireo's test suite.

Four networks with the shapes of the MLPerf Tiny benchmark, random weights
from fixed seeds (no training, no download), exported with PyTorch to ONNX
opset 13:

  kws_dscnn        keyword spotting DS-CNN, 1x1x49x10 MFCC -> 12 logits
  vww_mobilenetv1  visual wake words MobileNetV1 alpha 0.25, 1x3x96x96 -> 2 probabilities (softmax)
  ic_resnet8       image classification ResNet-8, 1x3x32x32 -> 10 logits
  ad_autoencoder   anomaly detection FC autoencoder, 1x640 -> 640 reconstruction

Every model has one input and one output, both with a symbolic batch
dimension named "batch". Writes tests/models/<name>/model.onnx,
input_0.npy (batch 1) and input_0_batch2.npy (batch 2). The reference
outputs come from ONNX Runtime via tools/ort/ort_run.js (see README.md).

Run with Debian's python (torch 1.13, onnx 1.12):
    /usr/bin/python3 tests/models/make_models.py [--out DIR] [--only NAME ...]
The output is deterministic: rerunning it rewrites byte-identical files.
"""
import argparse
import os
import sys
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------- networks

class ConvBnReLU(nn.Sequential):
    def __init__(self, cin, cout, k, stride=1, padding=0, groups=1, relu6=False):
        super().__init__(
            nn.Conv2d(cin, cout, k, stride=stride, padding=padding, groups=groups, bias=True),
            nn.BatchNorm2d(cout),
            nn.ReLU6() if relu6 else nn.ReLU(),
        )


class _TFSamePad(torch.autograd.Function):
    """Zero padding (rows 4/5, columns 1/1) that exports as one Pad with a
    constant pads tensor; F.pad exports as a Slice/Transpose/Cast subgraph."""

    @staticmethod
    def forward(ctx, x):
        return F.pad(x, (1, 1, 4, 5))  # (w_before, w_after, h_before, h_after)

    @staticmethod
    def symbolic(g, x):
        pads = g.op("Constant", value_t=torch.tensor([0, 0, 4, 1, 0, 0, 5, 1], dtype=torch.int64))
        return g.op("Pad", x, pads, mode_s="constant")


class DSCNN(nn.Module):
    """MLPerf Tiny KWS DS-CNN (Keras reference: training/keyword_spotting/keras_model.py).

    The first conv is 10x4 stride 2 with TF "same" padding, which is
    asymmetric (rows 4 before / 5 after, columns 1 / 1). PyTorch cannot express
    that in Conv2d, so forward() pads explicitly; simplify_pads() then folds
    the exported Pad into the Conv's `pads` attribute, giving a Conv with
    asymmetric pads as TF-converted models have."""

    def __init__(self, classes=12, ch=64):
        super().__init__()
        self.conv1 = ConvBnReLU(1, ch, (10, 4), stride=2)
        blocks = []
        for _ in range(4):
            blocks.append(ConvBnReLU(ch, ch, 3, padding=1, groups=ch))  # depthwise 3x3
            blocks.append(ConvBnReLU(ch, ch, 1))                        # pointwise 1x1
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AvgPool2d((25, 5))  # the whole 25x5 map, as in the reference
        self.fc = nn.Linear(ch, classes)

    def forward(self, x):
        x = _TFSamePad.apply(x)
        x = self.conv1(x)
        x = self.blocks(x)
        x = self.pool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)  # logits; the reference applies softmax after this


class MobileNetV1(nn.Module):
    """MobileNetV1 alpha 0.25 for Visual Wake Words (96x96x3 in, 2 classes).

    Activations are ReLU6 (exported as Clip) as in keras.applications.MobileNet.
    Strided convs use PyTorch's symmetric padding=1 (same output sizes as TF
    "same": 96 -> 48 -> 24 -> 12 -> 6 -> 3). Ends with global average pooling,
    a 2-way FC and Softmax."""

    def __init__(self, alpha=0.25, classes=2):
        super().__init__()
        c = lambda n: int(n * alpha)
        cfg = [  # (out channels, stride) of the 13 depthwise-separable blocks
            (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
            (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]
        layers = [ConvBnReLU(3, c(32), 3, stride=2, padding=1, relu6=True)]
        cin = c(32)
        for cout, s in cfg:
            layers.append(ConvBnReLU(cin, cin, 3, stride=s, padding=1, groups=cin, relu6=True))
            layers.append(ConvBnReLU(cin, c(cout), 1, relu6=True))
            cin = c(cout)
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)  # exported as GlobalAveragePool
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.features(x)
        x = torch.flatten(self.pool(x), 1)
        return torch.softmax(self.fc(x), dim=1)


class ResBlock(nn.Module):
    """One residual stack of MLPerf Tiny's ResNet-8: two 3x3 convs with BN;
    when the stack downsamples, the shortcut is a 1x1 stride-2 conv (no BN),
    as in training/image_classification/keras_model.py."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Conv2d(cin, cout, 1, stride=stride) if (stride != 1 or cin != cout) else None

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        s = x if self.shortcut is None else self.shortcut(x)
        return F.relu(y + s)


class ResNet8(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = ConvBnReLU(3, 16, 3, padding=1)
        self.stack1 = ResBlock(16, 16, 1)
        self.stack2 = ResBlock(16, 32, 2)
        self.stack3 = ResBlock(32, 64, 2)
        self.pool = nn.AvgPool2d(8)  # 8x8 -> 1x1, exported as AveragePool
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.stack3(self.stack2(self.stack1(self.stem(x))))
        return self.fc(torch.flatten(self.pool(x), 1))  # logits


class AutoEncoder(nn.Module):
    """MLPerf Tiny anomaly detection deep autoencoder (ToyADMOS, 640 = 5 frames
    x 128 mels): Dense+BN+ReLU 128 x4, bottleneck 8, 128 x4, Dense 640.
    BatchNorm1d on the 2-D activations stays a BatchNormalization node in ONNX
    (it is not folded into Gemm)."""

    def __init__(self, dim=640, hidden=128, code=8):
        super().__init__()
        sizes = [dim, hidden, hidden, hidden, hidden, code, hidden, hidden, hidden, hidden]
        layers = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(a, b), nn.BatchNorm1d(b), nn.ReLU()]
        layers.append(nn.Linear(hidden, dim))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


# ------------------------------------------------------------ weights, BN

def randomize_batchnorm(model, calib, gen):
    """Gives every BatchNorm non-trivial, well-conditioned statistics.

    The running statistics are first measured on a calibration batch (so the
    activations stay O(1) through the depth of the network instead of
    exploding or dying), then perturbed at random; gamma and beta are random
    too. Afterwards nothing in a BN is 0/1, so folding BN wrongly (or not
    applying it) shows in the outputs."""
    bns = [m for m in model.modules() if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None  # cumulative average over the calibration pass
    model.train()
    with torch.no_grad():
        model(calib)
    model.eval()
    with torch.no_grad():
        for bn in bns:
            n = bn.num_features
            std = bn.running_var.sqrt()
            bn.running_mean += 0.2 * std * torch.randn(n, generator=gen)
            bn.running_var *= 0.6 + 0.8 * torch.rand(n, generator=gen)
            bn.weight.copy_(0.6 + 0.8 * torch.rand(n, generator=gen))
            bn.bias.copy_(0.2 * torch.randn(n, generator=gen))
            bn.momentum = 0.1
            bn.eps = 1e-3  # Keras' default, not PyTorch's 1e-5


# -------------------------------------------------------------- ONNX fixes

def simplify_pads(model):
    """Removes the zero-size Pad that torch 1.13 puts before every AveragePool,
    and folds a constant-mode zero Pad feeding only a Conv into the Conv's
    pads attribute (as TF-converted models have it). Returns (dropped, folded)."""
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    consts = {n.output[0]: n for n in g.node if n.op_type == "Constant"}
    users = {}
    for n in g.node:
        for i in n.input:
            users.setdefault(i, []).append(n)
    graph_outputs = {o.name for o in g.output}

    def value_of(name):
        if name in inits:
            return numpy_helper.to_array(inits[name])
        if name in consts:
            return numpy_helper.to_array(consts[name].attribute[0].t)
        return None

    dropped = folded = 0
    for pad in [n for n in g.node if n.op_type == "Pad"]:
        mode = [a.s for a in pad.attribute if a.name == "mode"]
        if mode and mode[0] != b"constant":
            continue
        if len(pad.input) > 2 and pad.input[2]:
            cv = value_of(pad.input[2])
            if cv is None or np.any(cv != 0):
                continue
        pads = value_of(pad.input[1])
        if pads is None or pad.output[0] in graph_outputs:
            continue
        pads = [int(p) for p in pads]
        u = users.get(pad.output[0], [])
        if not any(pads):  # no-op: consumers read the Pad's input directly
            for n in u:
                for k, name in enumerate(n.input):
                    if name == pad.output[0]:
                        n.input[k] = pad.input[0]
            g.node.remove(pad)
            dropped += 1
            continue
        r = len(pads) // 2
        if len(u) != 1 or u[0].op_type != "Conv" or any(pads[i] or pads[r + i] for i in range(2)):
            continue  # only spatial padding folds into a Conv
        conv = u[0]
        spatial = pads[2:r] + pads[r + 2:]
        old = [a for a in conv.attribute if a.name == "pads"]
        if old:
            spatial = [a + b for a, b in zip(spatial, old[0].ints)]
            conv.attribute.remove(old[0])
        conv.attribute.append(helper.make_attribute("pads", spatial))
        conv.input[0] = pad.input[0]
        g.node.remove(pad)
        folded += 1
    # Drop constants and initializers nothing uses any more.
    used = {i for n in g.node for i in n.input}
    for n in [n for n in g.node if n.op_type == "Constant" and n.output[0] not in used]:
        g.node.remove(n)
    for i in [i for i in g.initializer if i.name not in used]:
        g.initializer.remove(i)
    return dropped, folded

# ------------------------------------------------------------------ driver

MODELS = {
    # name: (constructor, input shape without batch, input name, output name, input kind)
    "kws_dscnn": (DSCNN, (1, 49, 10), "mfcc", "logits", "normal"),
    "vww_mobilenetv1": (MobileNetV1, (3, 96, 96), "image", "probabilities", "uniform"),
    "ic_resnet8": (ResNet8, (3, 32, 32), "image", "logits", "normal"),
    "ad_autoencoder": (AutoEncoder, (640,), "features", "reconstruction", "normal"),
}


def make_input(kind, shape, gen):
    if kind == "uniform":  # an image scaled to [0, 1]
        return torch.rand(shape, generator=gen)
    return torch.randn(shape, generator=gen)


def build(name, out_dir, seed):
    ctor, in_shape, in_name, out_name, kind = MODELS[name]
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1)
    net = ctor()
    # Weights: PyTorch's default init drawn after manual_seed; biases made
    # non-zero and non-uniform too.
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)) and m.bias is not None:
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen))
    calib = make_input(kind, (64,) + in_shape, gen)
    randomize_batchnorm(net, calib, gen)
    net.eval()

    x1 = make_input(kind, (1,) + in_shape, gen)
    x2 = make_input(kind, (2,) + in_shape, gen)

    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.onnx")
    torch.onnx.export(
        net, x1, path, opset_version=13, do_constant_folding=True,
        input_names=[in_name], output_names=[out_name],
        dynamic_axes={in_name: {0: "batch"}, out_name: {0: "batch"}})
    m = onnx.load(path)
    simplify_pads(m)
    m.doc_string = ""
    m.graph.name = name
    m.graph.doc_string = ("vireo test model: %s with MLPerf Tiny shapes, seeded random weights "
                          "(tests/models/make_models.py, seed %d)" % (name, seed))
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, path)

    np.save(os.path.join(d, "input_0.npy"), x1.numpy().astype(np.float32))
    np.save(os.path.join(d, "input_0_batch2.npy"), x2.numpy().astype(np.float32))
    # PyTorch's own outputs, for a sanity check against ORT (not a reference).
    with torch.no_grad():
        y1, y2 = net(x1).numpy(), net(x2).numpy()
    ops = {}
    for n in m.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    print("%-16s %8d bytes  in %s %s  out %s %s  |y| max %.3g  ops %s" % (
        name, os.path.getsize(path), in_name, list(x1.shape), out_name, list(y1.shape),
        float(np.abs(y1).max()), dict(sorted(ops.items()))))
    return y1, y2


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=HERE, help="output directory (default: this script's)")
    ap.add_argument("--only", nargs="*", choices=sorted(MODELS), help="build only these")
    ap.add_argument("--torch-ref", action="store_true",
                    help="also write PyTorch's outputs as torch_output_0[_batch2].npy (debugging only)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", category=UserWarning)  # torch.onnx's tracer chatter
    warnings.filterwarnings("ignore", category=FutureWarning)
    for i, name in enumerate(MODELS):
        if args.only and name not in args.only:
            continue
        y1, y2 = build(name, args.out, seed=1000 + i)
        if args.torch_ref:
            d = os.path.join(args.out, name)
            np.save(os.path.join(d, "torch_output_0.npy"), y1)
            np.save(os.path.join(d, "torch_output_0_batch2.npy"), y2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
