#!/usr/bin/python3
"""Makes the ONNX test models of `memcosim import` (tests/data/onnx/).

    scripts/make-onnx-fixtures.py [OUT_DIR]       (default: tests/data/onnx)

Needs python3-torch, python3-onnx and python3-yaml from Debian (for
/usr/bin/python3); nothing is downloaded. Python makes fixtures only:
memcosim never runs it.

The good models are PyTorch modules of the published architecture
(2 -> 14 -> 14 -> 2, ReLU, a Gaussian Fourier time embedding added to both
hidden layers, output gain 5) holding the weights of memcosim's shipped
ring network (models/ring_score.yaml, the model configs/ring.yaml uses),
exported with torch.onnx.export as a PyTorch user would. Next to each,
<name>.reference.csv holds torch's own forward pass of the exported
(float32) weights, evaluated in float64, for a few inputs: the independent
check of the imported network. The bad models are refused by the importer,
each for one reason.
"""
import copy
import io
import math
import os
import sys

import onnx
import onnx.numpy_helper
import torch
import yaml
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class GaussianFourierProjection(nn.Module):
    """e(t) = [sin(2 pi W t), cos(2 pi W t)], W fixed (as in the published code)."""

    def __init__(self, frequencies):
        super().__init__()
        self.W = nn.Parameter(torch.as_tensor(frequencies, dtype=torch.float32), requires_grad=False)

    def forward(self, t):
        x_proj = t[:, None] * self.W[None, :] * 2 * math.pi
        return torch.cat([torch.sin(x_proj), torch.cos(x_proj)], dim=-1)


class ScoreNet(nn.Module):
    """The published ring score network: 2 -> 14 -> 14 -> 2."""

    def __init__(self, frequencies, hidden=(14, 14), dim=2, gain=5.0, act=torch.relu):
        super().__init__()
        self.embed = GaussianFourierProjection(frequencies)
        self.l1 = nn.Linear(dim, hidden[0])
        self.l2 = nn.Linear(hidden[0], hidden[1])
        self.out = nn.Linear(hidden[1], dim)
        self.gain = gain
        self.act = act

    def forward(self, x, t):
        e = self.embed(t)
        h = self.act(self.l1(x) + e)
        h = self.act(self.l2(h) + e)
        return self.out(h) * self.gain


class ConditionalScoreNet(ScoreNet):
    """The conditional task's network: a one-hot class c through Linear(C, E) -> GELU -> Linear(E, E),
    added to both hidden layers like the time embedding."""

    def __init__(self, frequencies, hidden, classes, gain):
        super().__init__(frequencies, hidden=hidden, gain=gain)
        self.class_embed = nn.Sequential(nn.Linear(classes, hidden[0]), nn.GELU(), nn.Linear(hidden[0], hidden[0]))

    def forward(self, x, t, c):
        e = self.embed(t) + self.class_embed(c)
        h = torch.relu(self.l1(x) + e)
        h = torch.relu(self.l2(h) + e)
        return self.out(h) * self.gain


class ScoreNetMatMul(ScoreNet):
    """The same network written with explicit matrices (exports MatMul + Add)."""

    def forward(self, x, t):
        e = self.embed(t)
        h = torch.relu(x @ self.l1.weight.T + self.l1.bias + e)
        h = torch.relu(h @ self.l2.weight.T + self.l2.bias + e)
        return (h @ self.out.weight.T + self.out.bias) * self.gain


class ProjectedEmbedding(ScoreNet):
    """A learned projection of the embedding (not a fixed additive input)."""

    def __init__(self, frequencies):
        super().__init__(frequencies)
        self.proj = nn.Linear(14, 14)

    def forward(self, x, t):
        e = self.proj(self.embed(t))
        h = torch.relu(self.l1(x) + e)
        h = torch.relu(self.l2(h) + e)
        return self.out(h) * self.gain


class ConvNet(nn.Module):
    """A convolution in front of the MLP."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(1, 4, kernel_size=2)
        self.out = nn.Linear(4, 2)

    def forward(self, x, t):
        h = torch.relu(self.conv(x[:, None, :]))
        return self.out(h.flatten(1))


class PlainMlp(nn.Module):
    """A neural-ODE vector field: [state, drive] (3) -> 16 -> 16 -> 2, ReLU."""

    def __init__(self, inputs=3, outputs=2):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(inputs, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, outputs))

    def forward(self, x):
        return self.net(x)


def ring_network():
    with open(os.path.join(ROOT, "models", "ring_score.yaml")) as f:
        w = yaml.safe_load(f)
    a = w["architecture"]
    assert a["hidden"] == [14, 14] and a["input_dim"] == 2 and a["num_classes"] == 0
    net = ScoreNet(w["time_embedding"]["frequencies"], gain=float(a["output_gain"]))
    with torch.no_grad():
        for layer, spec in zip((net.l1, net.l2, net.out), w["layers"]):
            layer.weight.copy_(torch.tensor(spec["weight"], dtype=torch.float64))
            layer.bias.copy_(torch.tensor(spec["bias"], dtype=torch.float64))
    return net.eval()


def letters_network():
    """memcosim's conditional letters model (models/letters_score.yaml) in the PyTorch module."""
    with open(os.path.join(ROOT, "models", "letters_score.yaml")) as f:
        w = yaml.safe_load(f)
    a = w["architecture"]
    assert a["hidden"][0] == a["hidden"][1] and a["num_classes"] > 0
    net = ConditionalScoreNet(w["time_embedding"]["frequencies"], a["hidden"], a["num_classes"], float(a["output_gain"]))
    with torch.no_grad():
        for layer, spec in zip((net.l1, net.l2, net.out, net.class_embed[0], net.class_embed[2]),
                               w["layers"] + w["class_embedding"]):
            layer.weight.copy_(torch.tensor(spec["weight"], dtype=torch.float64))
            layer.bias.copy_(torch.tensor(spec["bias"], dtype=torch.float64))
    return net.eval()


def export(module, args, path, names, opset=14, dynamic=None):
    if dynamic is None:
        dynamic = {n: {0: "batch"} for n in names + ["score"]}
    torch.onnx.export(module, args, path, input_names=names, output_names=["score"], opset_version=opset,
                      dynamic_axes=dynamic, do_constant_folding=True)


def reference_inputs():
    # A few states and times covering the sampled range (t from 1 to 1e-4)
    # and points off the ring; fixed, so the reference file is reviewable.
    x = torch.tensor([[0.0, 0.0], [0.7, 0.0], [-0.5, 0.5], [1.25, -0.9], [-2.0, 1.5], [0.1, -0.3],
                      [3.0, 3.0], [-0.69, -0.05]], dtype=torch.float64)
    t = torch.tensor([1.0, 0.5, 0.1, 0.9, 0.02, 1e-4, 0.3, 0.75], dtype=torch.float64)
    return x, t


def write_reference(module, path, with_time=True, classes=0):
    """torch's forward of the module in float64 (its float32 weights exactly)."""
    m = copy.deepcopy(module).double()
    x, t = reference_inputs()
    c = torch.zeros(x.shape[0], classes, dtype=torch.float64)
    for i in range(x.shape[0]):  # classes in turn, every (classes+1)-th row the masked class (all zeros)
        if classes and i % (classes + 1) < classes:
            c[i, i % (classes + 1)] = 1.0
    if not with_time:
        x = torch.cat([x, t[:, None]], dim=1)
    with torch.no_grad():
        y = m(x, t, c) if classes else m(x, t) if with_time else m(x)
    cols = ([f"x{i}" for i in range(x.shape[1])] + (["t"] if with_time else []) + [f"c{i}" for i in range(classes)] +
            [f"y{i}" for i in range(y.shape[1])])
    with open(path, "w") as f:
        f.write("# torch %s forward pass in float64 of the exported float32 weights\n" % torch.__version__)
        f.write(",".join(cols) + "\n")
        for i in range(x.shape[0]):
            vals = (list(x[i].tolist()) + ([t[i].item()] if with_time else []) + list(c[i].tolist()) +
                    list(y[i].tolist()))
            f.write(",".join(repr(float(v)) for v in vals) + "\n")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "data", "onnx")
    os.makedirs(out, exist_ok=True)
    p = lambda name: os.path.join(out, name)
    x = torch.zeros(4, 2)
    t = torch.ones(4)

    # Good models.
    ring = ring_network()
    export(ring, (x, t), p("ring_score.onnx"), ["x", "t"])
    write_reference(ring, p("ring_score.reference.csv"))
    export(ring, (x, t), p("ring_score_opset11.onnx"), ["x", "t"], opset=11)
    mm = ScoreNetMatMul(ring.embed.W.tolist(), gain=ring.gain)
    mm.load_state_dict(ring.state_dict())
    export(mm.eval(), (x, t), p("ring_score_matmul.onnx"), ["x", "t"], opset=17)
    write_reference(mm, p("ring_score_matmul.reference.csv"))
    letters = letters_network()
    export(letters, (x, t, torch.zeros(4, 3)), p("letters_score.onnx"), ["x", "t", "c"])
    write_reference(letters, p("letters_score.reference.csv"), classes=3)
    torch.manual_seed(1)  # each randomly initialised module has its own seed
    mlp = PlainMlp().eval()
    export(mlp, (torch.zeros(4, 3),), p("twin_mlp.onnx"), ["x"])
    write_reference(mlp, p("twin_mlp.reference.csv"), with_time=False)
    torch.manual_seed(4)  # the HP memristor twin's shape: [state, drive] (2) -> 16 -> 16 -> 1
    export(PlainMlp(2, 1).eval(), (torch.zeros(4, 2),), p("hp_twin_mlp.onnx"), ["x"])

    # Refused models.
    tanh = ScoreNet(ring.embed.W.tolist(), act=torch.tanh)
    tanh.load_state_dict(ring.state_dict())
    export(tanh.eval(), (x, t), p("bad_tanh.onnx"), ["x", "t"])                 # an unsupported op
    torch.manual_seed(2)
    export(ConvNet().eval(), (x, t), p("bad_conv.onnx"), ["x", "t"])             # a convolution
    export(ring, (x, t), p("bad_dynamic_shape.onnx"), ["x", "t"],                 # x's feature size unknown
           dynamic={"x": {0: "batch", 1: "features"}, "t": {0: "batch"}, "score": {0: "batch"}})
    torch.manual_seed(3)
    proj = ProjectedEmbedding(ring.embed.W.tolist())
    export(proj.eval(), (x, t), p("bad_projected_embedding.onnx"), ["x", "t"])  # a learned embedding projection
    nan = copy.deepcopy(ring)
    with torch.no_grad():
        nan.l2.weight[3, 5] = float("nan")
    export(nan, (x, t), p("bad_nan_weights.onnx"), ["x", "t"])                  # NaN weights
    model = onnx.load(p("ring_score.onnx"))
    for init in model.graph.initializer:                                          # integer weights
        if len(init.dims) == 2 and init.dims[0] == 14 and init.dims[1] == 2:
            values = onnx.numpy_helper.to_array(init).astype("int32")
            init.CopyFrom(onnx.numpy_helper.from_array(values, init.name))
            break
    else:
        raise SystemExit("no 14x2 initializer in ring_score.onnx")
    onnx.save(model, p("bad_int_weights.onnx"))
    with open(p("ring_score.onnx"), "rb") as f:
        data = f.read()
    with open(p("bad_truncated.onnx"), "wb") as f:                                # a truncated file
        f.write(data[: len(data) // 2])
    print("wrote", out)


if __name__ == "__main__":
    main()
