#!/usr/bin/env python3
"""What rnnfx writes, an independent reader understands: every reference model is converted to
the native format by `rnnfx convert`, then run by the PyTorch reader of ../shared/reference/ref.py
(a Keras-format reader written apart from rnnfx, like RTNeural's); its output must match the
original model's golden within 1e-5. Skips, saying why, without PyTorch or ../shared.

NAM models store an initial state (h0/c0). The Keras format has no place for it: rnnfx writes it
under its own "h0"/"c0" keys, which RTNeural, AIDA-X and ref.py ignore - they start from zeros.
For those models the expected output is therefore ref.py's own run of the original .nam file
with h0/c0 set to zero: the weights must still convert exactly.

    test_writer_vs_reference.py RNNFX REF_DIR SHARED_DIR
"""
import json, os, subprocess, sys, tempfile

rnnfx, ref_dir, shared = sys.argv[1:4]
ref_py = os.path.join(shared, 'reference', 'ref.py')
if not os.path.exists(ref_py):
    print(f'SKIP: {ref_py} not found (../shared is absent on this machine)')
    sys.exit(77)
py = '/usr/bin/python3'
if subprocess.run([py, '-c', 'import torch, numpy, soundfile'], capture_output=True).returncode:
    print('SKIP: python3-torch / python3-numpy / python3-soundfile not installed (Debian packages)')
    sys.exit(77)

failures = 0
goldens = sorted(f for f in os.listdir(ref_dir) if f.endswith('.golden.csv'))
with tempfile.TemporaryDirectory() as tmp:
    for g in goldens:
        base = g[:-len('.golden.csv')]
        src = next(os.path.join(ref_dir, base + e) for e in ('.json', '.nam') if os.path.exists(os.path.join(ref_dir, base + e)))
        rows = open(os.path.join(ref_dir, g)).read().splitlines()
        header, data = rows[0], [tuple(map(float, r.split(','))) for r in rows[1:]]
        params = header.split('params=[')[1].rstrip(']').strip()
        params = [p.strip() for p in params.split(',')] if params else []
        if src.endswith('.nam'):  # expected: the same network from a zero initial state
            nam = json.load(open(src))
            c = nam['config']; I, H, L = c['input_size'], c['hidden_size'], c['num_layers']
            p = 0
            for layer in range(L):
                p += 4 * H * ((I if layer == 0 else H) + H) + 4 * H
                nam['weights'][p:p + 2 * H] = [0.0] * (2 * H)
                p += 2 * H
            zeroed = os.path.join(tmp, base + '.zero.nam')
            json.dump(nam, open(zeroed, 'w'))
            want = os.path.join(tmp, base + '.want.csv')
            subprocess.run([py, ref_py, 'golden', zeroed, want, '--n', str(len(data))], check=True)
            data = [tuple(map(float, r.split(','))) for r in open(want).read().splitlines()[1:]]
        out = os.path.join(tmp, base + '.json')
        subprocess.run([rnnfx, 'convert', src, out], check=True)
        csv = os.path.join(tmp, base + '.csv')
        cmd = [py, ref_py, 'golden', out, csv, '--n', str(len(data))] + (['--param'] + params if params else [])
        subprocess.run(cmd, check=True)
        theirs = [tuple(map(float, r.split(','))) for r in open(csv).read().splitlines()[1:]]
        worst = max(abs(a[1] - b[1]) for a, b in zip(data, theirs))
        same_x = all(a[0] == b[0] for a, b in zip(data, theirs))
        ok = same_x and len(theirs) == len(data) and worst <= 1e-5
        print(f'{base:40s} converted by rnnfx, run by ref.py: max |err| {worst:.3g} {"ok" if ok else "FAIL"}')
        failures += not ok
print(f'{len(goldens)} models, {failures} failed')
sys.exit(1 if failures else 0)
