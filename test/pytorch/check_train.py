#!/usr/bin/python3
"""Checks resources/pytorch/train.py on export folders written by make_fixture.py (no studio needed):

  (a) model.safetensors loads with load_state_dict(strict=True), for every cell, 1-4 layers, generators and
      bidirectional classifiers with each pooling;
  (b) the model computes what the studio computes: in float64, against a direct per-step implementation of
      the formulas (studio GRU with the reset gate before the product, masked classifier, pooling) to 1e-6;
  (c) padding never changes a classifier's answer (a text alone vs beside a longer one, empty texts too);
  (d) training: `train.py --steps 5`, a resume, a 2-process torchrun, refusals of bad inputs (exit 2, the file
      and tensor named), --probe and --sample (greedy, the state carried, never the unknown symbol);
  (e) DistributedDataParallel gives the single-process result: 2 processes with an uneven split of the batch
      end on the same weights as 1 (dropout 0).

  OMP_WAIT_POLICY=PASSIVE LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread /usr/bin/python3 test/pytorch/check_train.py [--quick]
Prints a line per check and `N passed, N failed`; exits 1 if any failed. --quick leaves out the torchrun checks."""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import traceback

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', '..', 'resources', 'pytorch'))
import train  # noqa: E402
from make_fixture import make_fixture  # noqa: E402

CELLS = ('lstm', 'gru', 'rnn')
POOLINGS = ('last', 'mean', 'max')
results = {'passed': 0, 'failed': 0}


def check(name, fn):
    try:
        fn()
        results['passed'] += 1
        print(f'ok    {name}', flush=True)
    except Exception as e:  # a failed check is reported and the others still run
        results['failed'] += 1
        detail = str(e) if isinstance(e, AssertionError) else traceback.format_exc()
        print(f'FAIL  {name}: {detail}', flush=True)


def close(a, b, tol, what):
    diff = (torch.as_tensor(a, dtype=torch.float64) - torch.as_tensor(b, dtype=torch.float64)).abs().max().item()
    assert diff <= tol, f'{what}: max difference {diff:.3g} > {tol}'


# ------------------------------------------------------------------------------------------- reference
# The studio's arithmetic written out per step and per gate (main/engine/export/model-spec.ts), float64.

def ref_layer(cell, x, p, suffix, l, mask, reverse):
    """x (B, T, In), mask (B, T) → outputs (B, T, H): a padded step keeps h (and c)."""
    w_ih, w_hh = p[f'rnn.weight_ih_l{l}{suffix}'], p[f'rnn.weight_hh_l{l}{suffix}']
    b = p[f'rnn.bias_ih_l{l}{suffix}'] + p[f'rnn.bias_hh_l{l}{suffix}']
    B, T, _ = x.shape
    H = w_hh.shape[1]
    gate = lambda k, inp, h: inp @ w_ih[k * H:(k + 1) * H].T + h @ w_hh[k * H:(k + 1) * H].T + b[k * H:(k + 1) * H]
    h, c = torch.zeros(B, H, dtype=x.dtype), torch.zeros(B, H, dtype=x.dtype)
    out = torch.zeros(B, T, H, dtype=x.dtype)
    for t in (reversed(range(T)) if reverse else range(T)):
        xt, m = x[:, t], mask[:, t:t + 1]
        if cell == 'lstm':  # PyTorch order i f g o
            i, f, g, o = torch.sigmoid(gate(0, xt, h)), torch.sigmoid(gate(1, xt, h)), torch.tanh(gate(2, xt, h)), torch.sigmoid(gate(3, xt, h))
            c_new = f * c + i * g
            h_new = o * torch.tanh(c_new)
            c = m * c_new + (1 - m) * c
        elif cell == 'rnn':
            h_new = torch.tanh(gate(0, xt, h))
        else:  # PyTorch order r z n; the studio's GRU: the reset gate multiplies h BEFORE U_n
            r = torch.sigmoid(xt @ w_ih[:H].T + p[f'rnn.bias_ih_l{l}{suffix}'][:H] + h @ w_hh[:H].T + p[f'rnn.bias_hh_l{l}{suffix}'][:H])
            z = torch.sigmoid(xt @ w_ih[H:2 * H].T + p[f'rnn.bias_ih_l{l}{suffix}'][H:2 * H] + h @ w_hh[H:2 * H].T + p[f'rnn.bias_hh_l{l}{suffix}'][H:2 * H])
            n = torch.tanh(xt @ w_ih[2 * H:].T + p[f'rnn.bias_ih_l{l}{suffix}'][2 * H:] + (r * h) @ w_hh[2 * H:].T + p[f'rnn.bias_hh_l{l}{suffix}'][2 * H:])
            h_new = (1 - z) * n + z * h
        h = m * h_new + (1 - m) * h
        out[:, t] = h
    return out


def reference(cfg, p, ids, lengths=None):
    """Probabilities: generators (B, T, V), classifiers (B, C); p: the state dict in float64."""
    m = cfg['model']
    B, T = ids.shape
    mask = torch.ones(B, T, dtype=torch.float64) if lengths is None else (torch.arange(T)[None] < lengths[:, None]).double()
    x = p['embedding.weight'][ids]
    suffixes = ['', '_reverse'] if m['bidirectional'] else ['']
    for l in range(m['layers']):
        outs = [ref_layer(m['cell'], x, p, s, l, mask, s == '_reverse') for s in suffixes]
        x = torch.cat(outs, 2)
    if lengths is None:
        return torch.softmax(x @ p['output.weight'].T + p['output.bias'], -1)
    if m['pooling'] == 'last':
        pooled = torch.cat([outs[0][:, T - 1]] + ([outs[1][:, 0]] if len(outs) > 1 else []), 1)
    elif m['pooling'] == 'mean':
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1).clamp(min=1)[:, None]
    else:
        pooled = (x + (mask[..., None] - 1) * 1e9).max(1).values
    return torch.softmax(pooled @ p['output.weight'].T + p['output.bias'], -1)


# -------------------------------------------------------------------------------------------- helpers

def load(folder):
    cfg = train.read_config(folder)
    model = train.StudioModel(cfg)
    train.load_weights(model, os.path.join(folder, 'model.safetensors'))
    return cfg, model.eval()


def texts(cfg, lengths, seed):
    g = torch.Generator().manual_seed(seed)
    V = cfg['model']['vocabSize']
    rows = [torch.randint(1, V, (n,), generator=g) for n in lengths]
    ids = torch.zeros(len(rows), max(1, max(lengths)), dtype=torch.long)
    for b, r in enumerate(rows):
        ids[b, :len(r)] = r
    return ids, torch.tensor(lengths)


def run(args, cwd, expect=0):
    r = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert r.returncode == expect, f'{" ".join(args[1:])} exited {r.returncode}, not {expect}:\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}'
    return r


def python(folder, *args, expect=0):
    return run([sys.executable, os.path.join(folder, 'train.py'), *args], folder, expect)


def torchrun(folder, *args):
    # PyTorch 1.13's torchrun needs --redirects (it crashes without); train.py itself does not care.
    return run([sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2',
                '--redirects', '1', '--tee', '1', os.path.join(folder, 'train.py'), *args], folder)


def metrics(folder):
    with open(os.path.join(folder, 'metrics.jsonl')) as f:
        return [json.loads(line) for line in f]


def checkpoint(folder, step):
    return train.read_safetensors(os.path.join(folder, 'checkpoints', f'step-{step}.safetensors'))


# ------------------------------------------------------------------------------------------------ checks

def check_models(root):
    for cell in CELLS:
        for layers in (1, 2, 3, 4):
            for task, pooling in [('generate', 'last')] + [('classify', p) for p in POOLINGS]:
                classify = task == 'classify'
                name = f'{cell} {layers} layer{"s" * (layers > 1)} {"bidirectional classifier, " + pooling if classify else "generator"}'
                folder = os.path.join(root, f'{cell}-{layers}-{task}-{pooling}')
                make_fixture(folder, task=task, cell=cell, layers=layers, pooling=pooling, bidirectional=classify, seed=layers)
                state = {}

                def loads():
                    cfg, model = load(folder)
                    tensors, meta = train.read_safetensors(os.path.join(folder, 'model.safetensors'))
                    assert meta == {'format': 'rnn-studio-pytorch', 'step': '40'}, meta
                    for n, t in model.state_dict().items():
                        assert torch.equal(t, tensors[n]), f'{n} differs from the file after load_state_dict'
                    state.update(cfg=cfg, model=model)

                def matches_reference():
                    cfg, model = state['cfg'], state['model'].double()
                    p = {n: t.double() for n, t in model.state_dict().items()}
                    with torch.no_grad():
                        if classify:
                            ids, lengths = texts(cfg, [7, 0, 24, 1, 13], seed=layers)
                            close(model(ids, lengths).softmax(-1), reference(cfg, p, ids, lengths), 1e-6, 'classifier probabilities')
                        else:
                            ids = torch.randint(cfg['model']['vocabSize'], (3, 11), generator=torch.Generator().manual_seed(layers))
                            close(model(ids).softmax(-1), reference(cfg, p, ids), 1e-6, 'next-character probabilities')
                    model.float()

                def padding_changes_nothing():
                    cfg, model = state['cfg'], state['model']
                    with torch.no_grad():
                        ids, lengths = texts(cfg, [5, 20, 0], seed=3)
                        together = model(ids, lengths).softmax(-1)
                        for b, n in enumerate(lengths.tolist()):
                            alone = model(ids[b:b + 1, :max(n, 1)], lengths[b:b + 1]).softmax(-1)
                            close(alone, together[b:b + 1], 1e-6, f'text of {n} characters alone vs padded to 20')

                check(f'(a) loads strictly: {name}', loads)
                if state:
                    check(f'(b) the studio\'s arithmetic: {name}', matches_reference)
                    if classify:
                        check(f'(c) padding changes nothing: {name}', padding_changes_nothing)


def check_training(root, quick):
    gen = os.path.join(root, 'train-gen')
    make_fixture(gen, task='generate', cell='gru', layers=2, step=40)

    def five_steps():
        r = python(gen, '--steps', '5', '--eval-every', '2', '--checkpoint-every', '4', '--threads', '1')
        assert 'Adam starts fresh' in r.stdout, r.stdout
        lines = metrics(gen)
        assert [l['step'] for l in lines] == [42, 44, 45], lines
        assert all(math.isfinite(l['loss']) and math.isfinite(l['valLoss']) and l['seconds'] >= 0 for l in lines), lines
        assert set(lines[0]) == {'step', 'loss', 'valLoss', 'seconds'}, lines[0]
        names = sorted(os.listdir(os.path.join(gen, 'checkpoints')))
        assert names == ['step-44.safetensors', 'step-45.optim.pt', 'step-45.safetensors'], names
        tensors, meta = checkpoint(gen, 45)
        assert meta == {'format': 'rnn-studio-pytorch', 'step': '45'}, meta
        model = train.StudioModel(train.read_config(gen))
        train.load_weights(model, os.path.join(gen, 'checkpoints', 'step-45.safetensors'))
        before, _ = train.read_safetensors(os.path.join(gen, 'model.safetensors'))
        assert not torch.equal(before['rnn.weight_hh_l1'], tensors['rnn.weight_hh_l1']), 'training changed no weight'

    def resumes():
        r = python(gen, '--steps', '3', '--eval-every', '10', '--threads', '1')
        assert 'resuming at step 45' in r.stdout and 'Adam state' in r.stdout, r.stdout
        assert [l['step'] for l in metrics(gen)][-1] == 48
        names = sorted(os.listdir(os.path.join(gen, 'checkpoints')))
        assert names == ['step-44.safetensors', 'step-45.safetensors', 'step-48.optim.pt', 'step-48.safetensors'], names

    def learns():
        folder = os.path.join(root, 'learns')
        make_fixture(folder, task='generate', cell='lstm', units=32, embedding=8, dropout=0.0, step=0, tokens=6000)
        python(folder, '--steps', '60', '--eval-every', '30', '--lr', '0.02', '--threads', '1')
        last = metrics(folder)[-1]
        assert last['valLoss'] < 0.7 * math.log(14), f'validation loss {last["valLoss"]:.3f} after 60 steps on a repeating phrase'

    def classifier_trains():
        folder = os.path.join(root, 'train-cls')
        make_fixture(folder, task='classify', cell='lstm', layers=2, bidirectional=True, pooling='mean', class_weights='balanced')
        python(folder, '--steps', '5', '--threads', '1')
        line = metrics(folder)[-1]
        assert line['step'] == 45 and set(line) == {'step', 'loss', 'valLoss', 'valAccuracy', 'seconds'}, line
        assert math.isfinite(line['loss']) and 0 <= line['valAccuracy'] <= 1, line

    def probe():
        cfg, model = load(gen)
        path = os.path.join(root, 'ids.json')
        with open(path, 'w') as f:
            json.dump({'ids': [[1, 2, 3, 4], [5, 6, 7, 0]]}, f)
        out = json.loads(python(gen, '--probe', path, '--weights', 'model.safetensors').stdout)['probabilities']
        assert len(out) == 2 and len(out[0]) == 4 and len(out[0][0]) == cfg['model']['outputs'], 'shape [B][T][V]'
        with torch.no_grad():
            close(out, model(torch.tensor([[1, 2, 3, 4], [5, 6, 7, 0]])).softmax(-1), 1e-7, '--probe vs the model')
        folder = os.path.join(root, 'cell-cls-max')
        make_fixture(folder, task='classify', cell='gru', bidirectional=True, pooling='max')
        with open(path, 'w') as f:
            json.dump({'ids': [[1, 2], [], [3, 4, 5, 6, 7]]}, f)
        out = json.loads(python(folder, '--probe', path).stdout)['probabilities']
        assert len(out) == 3 and all(len(p) == 3 and abs(sum(p) - 1) < 1e-5 for p in out), out

    def samples():
        folder = os.path.join(root, 'sample')
        make_fixture(folder, task='generate', cell='gru', layers=2, unknown=True)
        cfg, model = load(folder)
        chars = json.load(open(os.path.join(folder, 'vocab.json')))['chars']
        text = json.loads(python(folder, '--sample', '--prime', 'abc', '--length', '30', '--json').stdout)['text']
        # Greedy by rerunning the whole text each step: the script, which carries the state, must agree.
        ids = [chars.index(c) for c in 'abc']
        with torch.no_grad():
            for _ in range(30):
                scores = model(torch.tensor([ids]))[0, -1]
                scores[0] = -math.inf  # index 0 is the unknown symbol: never written
                ids.append(int(scores.argmax()))
        assert text == ''.join(chars[i] for i in ids), f'{text!r} vs {"".join(chars[i] for i in ids)!r}'
        plain = python(folder, '--sample', '--length', '5').stdout
        assert len(plain) == 6 and plain.endswith('\n'), repr(plain)

    def refusals():
        folder = os.path.join(root, 'bad')
        make_fixture(folder, task='generate', cell='lstm')
        cfg_path = os.path.join(folder, 'config.json')
        good = open(cfg_path).read()
        with open(cfg_path, 'w') as f:
            f.write(good.replace('"version": 1', '"version": 2'))
        r = python(folder, '--steps', '1', expect=2)
        assert 'config.json' in r.stderr and 'version 2' in r.stderr, r.stderr
        with open(cfg_path, 'w') as f:
            f.write(good.replace('"cell": "lstm"', '"cell": "lstmx"'))
        r = python(folder, '--steps', '1', expect=2)
        assert 'model.cell' in r.stderr, r.stderr
        with open(cfg_path, 'w') as f:
            f.write(good.replace('"units": 8', '"units": 9'))  # the weights no longer fit the config
        r = python(folder, '--steps', '1', expect=2)
        assert 'model.safetensors' in r.stderr and 'rnn.weight_ih_l0' in r.stderr, r.stderr
        with open(cfg_path, 'w') as f:
            f.write(good)
        weights = os.path.join(folder, 'model.safetensors')
        blob = open(weights, 'rb').read()
        with open(weights, 'wb') as f:
            f.write(blob[:-4])
        r = python(folder, '--steps', '1', expect=2)
        assert 'model.safetensors' in r.stderr and 'output.bias' in r.stderr, r.stderr
        with open(weights, 'wb') as f:
            f.write(blob.replace(b'"output.bias"', b'"output.biaz"'))  # the same length: the header stays valid
        r = python(folder, '--steps', '1', expect=2)
        assert 'no tensor output.bias' in r.stderr and 'unexpected tensor output.biaz' in r.stderr, r.stderr
        with open(weights, 'wb') as f:
            f.write(blob)
        os.remove(os.path.join(folder, 'corpus.bin'))
        r = python(folder, '--steps', '1', expect=2)
        assert 'corpus.bin' in r.stderr, r.stderr
        assert 'Traceback' not in r.stderr, r.stderr

    def newest_by_default():
        path = os.path.join(root, 'ids-newest.json')
        with open(path, 'w') as f:
            json.dump({'ids': [[1, 2, 3]]}, f)
        default = python(gen, '--probe', path).stdout
        assert default == python(gen, '--probe', path, '--weights', os.path.join('checkpoints', 'step-48.safetensors')).stdout
        assert default != python(gen, '--probe', path, '--weights', 'model.safetensors').stdout

    check('(d) train.py --steps 5: metrics, step numbers from config.step, checkpoints that reload', five_steps)
    check('(d) a second run resumes from the newest checkpoint with its Adam state', resumes)
    check('(d) --probe and --sample read the newest checkpoint unless --weights says otherwise', newest_by_default)
    check('(d) a generator learns a repeating phrase', learns)
    check('(d) a classifier trains, with balanced class weights: valAccuracy', classifier_trains)
    check('(d) --probe prints the model\'s probabilities, generator and classifier', probe)
    check('(d) --sample is greedy with the state carried, never the unknown symbol', samples)
    check('(d) bad inputs are refused with exit 2, naming the file and the tensor', refusals)
    if quick:
        return

    def torchrun_six_steps():
        folder = os.path.join(root, 'ddp-gen')
        make_fixture(folder, task='generate', cell='lstm', layers=2, step=40)
        r = torchrun(folder, '--steps', '6', '--eval-every', '3')
        lines = metrics(folder)
        assert [l['step'] for l in lines] == [43, 46], lines
        assert all(math.isfinite(l['loss']) and math.isfinite(l['valLoss']) for l in lines), lines
        assert 'over 2 processes' in r.stdout, r.stdout
        tensors, meta = checkpoint(folder, 46)
        assert meta['step'] == '46'
        model = train.StudioModel(train.read_config(folder))
        train.load_weights(model, os.path.join(folder, 'checkpoints', 'step-46.safetensors'))

    def ddp_matches_one_process(task, cell):
        def fn():
            folders = [os.path.join(root, f'same-{task}-{cell}-{k}') for k in (1, 2)]
            for folder in folders:  # batch 7: 3 + 4 windows or examples, so the shares must be weighted
                make_fixture(folder, task=task, cell=cell, layers=2, dropout=0.0, batch=7, class_weights='balanced',
                             bidirectional=task == 'classify', pooling='max')
            python(folders[0], '--steps', '3', '--threads', '1')
            torchrun(folders[1], '--steps', '3')
            (one, _), (two, _) = checkpoint(folders[0], 43), checkpoint(folders[1], 43)
            for n in one:
                close(one[n], two[n], 1e-5, f'{n} after 3 steps, 1 vs 2 processes')
            close(metrics(folders[0])[-1]['loss'], metrics(folders[1])[-1]['loss'], 1e-5, 'mean training loss')
            close(metrics(folders[0])[-1]['valLoss'], metrics(folders[1])[-1]['valLoss'], 1e-5, 'validation loss')
        return fn

    check('(d) torchrun --nproc_per_node 2 --steps 6: metrics and a checkpoint that reloads', torchrun_six_steps)
    check('(e) 2 processes end on the 1-process weights: generator (uneven shares)', ddp_matches_one_process('generate', 'lstm'))
    check('(e) 2 processes end on the 1-process weights: classifier, balanced weights, studio GRU', ddp_matches_one_process('classify', 'gru'))


if __name__ == '__main__':
    torch.set_num_threads(1)
    root = tempfile.mkdtemp(prefix='check-train-')
    try:
        check_models(root)
        check_training(root, '--quick' in sys.argv)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f'{results["passed"]} passed, {results["failed"]} failed')
    sys.exit(1 if results['failed'] else 0)
