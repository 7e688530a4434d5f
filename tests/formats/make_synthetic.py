#!/usr/bin/python3
"""Makes the synthetic reference models of tests/formats/ref/ and their goldens.

The five published models cover the common cases; these cover what they do not: conditioning
inputs, stacked GRUs, dense activations, input/output gains, a sample rate given as a string, a
GuitarML GRU with a knob. Weights are random (seeded); the golden outputs come from the
independent PyTorch implementation ../shared/reference/ref.py, never from rnnfx. Run once:

    /usr/bin/python3 tests/formats/make_synthetic.py ../shared/reference/ref.py tests/formats/ref
"""
import json, os, subprocess, sys
import numpy as np

ref, out = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(20261127)


def u(*shape, scale=0.4):
    return (rng.uniform(-1, 1, size=shape) * scale).round(7).tolist()


def keras_rnn(kind, I, H):
    G = 4 if kind == 'lstm' else 3
    bias = u(G * H) if kind == 'lstm' else u(2, G * H)
    return {"type": kind, "activation": "tanh", "shape": [None, None, H],
            "weights": [u(I, G * H), u(H, G * H), bias]}


def dense(I, O, act=""):
    return {"type": "dense", "activation": act, "shape": [None, None, O], "weights": [u(I, O), u(O)]}


models = {
    # LSTM with two knobs, gains and skip; sample rate as a string, as AIDA-X's default model.
    "synth_keras_lstm12_cond2_gain": ({"in_shape": [None, None, 3], "in_skip": 1, "in_gain": 4.5, "out_gain": -2.0,
        "layers": [keras_rnn('lstm', 3, 12), dense(12, 1)],
        "metadata": {"name": "synthetic", "samplerate": "44100", "esr": 0.01}}, [0.3, 0.8]),
    # Two stacked GRUs, a tanh dense layer, one knob.
    "synth_keras_gru2x10_tanh_cond1": ({"in_shape": [None, None, 2],
        "layers": [keras_rnn('gru', 2, 10), keras_rnn('gru', 10, 10), dense(10, 6, "tanh"), dense(6, 1)],
        "metadata": {"samplerate": 48000}}, [0.65]),
    # LSTM 24 with a relu head.
    "synth_keras_lstm24_relu": ({"in_shape": [None, None, 1], "in_skip": 1,
        "layers": [keras_rnn('lstm', 1, 24), dense(24, 7, "relu"), dense(7, 1)]}, []),
}

H = 9
gml = {"model_data": {"model": "SimpleRNN", "input_size": 2, "skip": 1, "output_size": 1, "unit_type": "GRU",
                      "num_layers": 2, "hidden_size": H, "bias_fl": True},
       "state_dict": {"rec.weight_ih_l0": u(3 * H, 2), "rec.weight_hh_l0": u(3 * H, H),
                      "rec.bias_ih_l0": u(3 * H), "rec.bias_hh_l0": u(3 * H),
                      "rec.weight_ih_l1": u(3 * H, H), "rec.weight_hh_l1": u(3 * H, H),
                      "rec.bias_ih_l1": u(3 * H), "rec.bias_hh_l1": u(3 * H),
                      "lin.weight": u(1, H), "lin.bias": u(1)}}
models["synth_guitarml_gru2x9_cond1"] = (gml, [0.4])

for name, (model, params) in models.items():
    path = os.path.join(out, name + ".json")
    with open(path, "w") as f:
        json.dump(model, f)
    cmd = [sys.executable, ref, "golden", path, os.path.join(out, name + ".golden.csv"), "--n", "4096"]
    if params:
        cmd += ["--param"] + [str(p) for p in params]
    subprocess.run(cmd, check=True)
    print("wrote", name)
