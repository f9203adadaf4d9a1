"""Train an RNN Studio model on with PyTorch, anywhere PyTorch runs, and bring it back to the studio.

This folder came from `rnn-studio export <run> --format pytorch`. It holds the model (model.safetensors),
its settings (config.json), its vocabulary (vocab.json), the run's encoded data (corpus.bin, and for
classifiers examples.json) and this script, which rebuilds the exact model the studio trains, loads the
weights and trains on. It needs PyTorch (1.13 or later) and nothing else.

  CPU, one process:     python train.py --steps 2000
  one GPU:              python train.py --steps 2000 --device cuda
  several GPUs:         torchrun --standalone --nproc_per_node 4 train.py --steps 2000
  several CPU processes: torchrun --standalone --nproc_per_node 2 train.py --steps 2000 --device cpu
  several nodes (run on each, NODE = 0, 1, ...; HOST:PORT reachable from all):
      torchrun --nnodes 2 --nproc_per_node 8 --node_rank NODE --rdzv_backend c10d \
               --rdzv_endpoint HOST:29500 --rdzv_id my-run train.py --steps 2000
  (PyTorch 1.13's torchrun also needs `--redirects 1 --tee 1`; later versions do not.)

Under torchrun every process trains on its share of the global batch (--batch, default the studio's) and
DistributedDataParallel averages the gradients (gloo on CPU, nccl on GPU), so the loss is the studio's.
Adam (torch.optim.Adam, the studio's update) with the studio's learning rate and global-norm clipping.

Written here (by rank 0; weights atomically: temp file, fsync, rename):
  checkpoints/step-N.safetensors  the weights, named as in model.safetensors; N numbers on from the step
                                  the studio's checkpoint had. Every --checkpoint-every steps and at the end.
  checkpoints/step-N.optim.pt     Adam's state, for resuming here (only the newest is kept).
  metrics.jsonl                   one line per --eval-every steps and at the end: {"step", "loss" (mean
                                  training loss since the line before), "valLoss", "seconds"} (+ "valAccuracy"
                                  for classifiers).
Running again resumes from the newest checkpoint. Then `rnn-studio import-model <this folder>` brings the
model home as a new run of the original, with this curve.

Also, from the newest checkpoint (else model.safetensors; --weights FILE for another):
  python train.py --sample --prime "The " --length 200   greedy text (the likeliest character at each step)
  python train.py --probe IDS.json    the probabilities for {"ids": [[...], ...]} as JSON (the studio's tests use it)

The model (what the studio computes; resume and import rely on these names and layouts):
  embedding = nn.Embedding(vocabSize, E)  (classifiers: id 0 is padding, characters start at 1)
  rnn       = nn.LSTM | nn.RNN (tanh) | StudioGRU, batch_first, states start at zero
  output    = nn.Linear(D*H, outputs)
  Generators: dropout after every layer, the top one included. Classifiers: texts right-padded with 0;
  padding never changes the answer; dropout between layers and on the pooled top layer ('last' state,
  'mean' or 'max' over the real characters).
  The studio's GRU applies the reset gate before the recurrent product (Keras reset_after=False), which
  nn.GRU does not, so StudioGRU below has nn.GRU's parameters and the studio's arithmetic: one matmul for
  every step's input projection, then a loop over time. Measured on the studio's P1 (vocabulary 65,
  embedding 64, 1 x 256, 64 steps, batch 32; forward, backward, clipping, Adam; 2 CPU threads, PyTorch 1.13;
  test/pytorch/gru_speed.py, median step of 3 rounds): nn.GRU 12,600-14,100 characters/s, StudioGRU
  11,300-12,600 (0.85-0.9x). TorchScript on the loop gave 10,600-13,800, no steady gain, so it is not used.
  On a GPU nn.GRU runs cuDNN's fused kernel and StudioGRU cannot: expect it several times slower there.
"""
import argparse
import ctypes
import glob
import json
import math
import os
import random
import re
import sys
import time
from typing import Optional

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

FORMAT, VERSION = 'rnn-studio-pytorch', 1
HERE = os.path.dirname(os.path.abspath(__file__))


class Refusal(Exception):
    """An input this script cannot use; main() prints it and exits with status 2."""


# ---------------------------------------------------------------------------------------------- config

NUMBER = (int, float)
KIND_NAMES = {int: 'a whole number', NUMBER: 'a number', bool: 'true or false', str: 'a string', dict: 'an object'}


def check(value, where, kind, choices=None, minimum=None):
    if isinstance(value, bool) != (kind is bool) or not isinstance(value, kind):
        raise Refusal(f'config.json: {where} must be {KIND_NAMES[kind]}, not {json.dumps(value)}')
    if choices is not None and value not in choices:
        raise Refusal(f'config.json: {where} must be one of {", ".join(map(str, choices))}, not {json.dumps(value)}')
    if minimum is not None and value < minimum:
        raise Refusal(f'config.json: {where} must be at least {minimum}, not {value}')
    return value


def read_config(folder):
    path = os.path.join(folder, 'config.json')
    try:
        with open(path, encoding='utf-8') as f:
            c = json.load(f)
    except FileNotFoundError:
        raise Refusal(f'{path} is missing: run this script in the folder `rnn-studio export --format pytorch` wrote, or pass --dir')
    except ValueError as e:
        raise Refusal(f'{path} is not valid JSON ({e})')
    if not isinstance(c, dict) or c.get('format') != FORMAT:
        raise Refusal(f'{path}: format must be "{FORMAT}", not {json.dumps(c.get("format") if isinstance(c, dict) else c)}')
    if c.get('version') != VERSION:
        raise Refusal(f'{path}: version {json.dumps(c.get("version"))}; this train.py reads version {VERSION}')
    task = check(c.get('task'), 'task', str, ('generate', 'classify'))
    m, t, d = (check(c.get(k), k, dict) for k in ('model', 'train', 'data'))
    check(m.get('cell'), 'model.cell', str, ('lstm', 'gru', 'rnn'))
    check(m.get('layers'), 'model.layers', int, minimum=1)
    for k in ('units', 'embedding', 'vocabSize', 'outputs'):
        check(m.get(k), f'model.{k}', int, minimum=1)
    check(m.get('dropout'), 'model.dropout', NUMBER)
    if not 0 <= m['dropout'] < 1:
        raise Refusal(f'config.json: model.dropout must be in [0, 1), not {m["dropout"]}')
    check(m.get('bidirectional'), 'model.bidirectional', bool)
    if m['cell'] == 'gru':
        check(m.get('gru'), 'model.gru', str, ('reset-before',))
    if task == 'generate' and m['bidirectional']:
        raise Refusal('config.json: a generator cannot be bidirectional')
    if task == 'classify':
        check(m.get('pooling'), 'model.pooling', str, ('last', 'mean', 'max'))
    for k in ('seqLen', 'batch', 'evalBatches'):
        check(t.get(k), f'train.{k}', int, minimum=1)
    check(t.get('lr'), 'train.lr', NUMBER, minimum=0)
    check(t.get('clip'), 'train.clip', NUMBER, minimum=0)
    check(t.get('classWeights', 'none'), 'train.classWeights', str, ('none', 'balanced'))
    if t.get('seed') is not None:
        check(t['seed'], 'train.seed', int)
    check(c.get('step'), 'step', int, minimum=0)
    check(d.get('file'), 'data.file', str)
    if task == 'generate':
        check(d.get('tokens'), 'data.tokens', int, minimum=0)
        check(d.get('valStart'), 'data.valStart', int, minimum=0)
    else:
        check(d.get('examples'), 'data.examples', str)
    return c


# ----------------------------------------------------------------------------------------- safetensors
# 8 bytes: header length N (uint64 LE) | N bytes: JSON {name: {dtype, shape, data_offsets: [begin, end)},
# "__metadata__": {str: str}}, padded with spaces | the tensors' bytes, little-endian, row-major.

def read_safetensors(path):
    dtypes = {'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16, 'F64': torch.float64}
    sizes = {'F32': 4, 'F16': 2, 'BF16': 2, 'F64': 8}  # bytes per value (torch.dtype.itemsize is 2.1+)
    try:
        with open(path, 'rb') as f:
            blob = f.read()
    except OSError as e:
        raise Refusal(f'{path}: cannot read it ({e.strerror})')
    if len(blob) < 8:
        raise Refusal(f'{path}: {len(blob)} bytes, too short for a safetensors file')
    n = int.from_bytes(blob[:8], 'little')
    if n > len(blob) - 8:
        raise Refusal(f'{path}: its header claims {n} bytes but the file has {len(blob) - 8}: not safetensors, or cut short')
    try:
        header = json.loads(blob[8:8 + n].decode('utf-8'))
    except ValueError as e:
        raise Refusal(f'{path}: its header is not valid JSON ({e})')
    if not isinstance(header, dict):
        raise Refusal(f'{path}: its header is not a JSON object')
    metadata = header.pop('__metadata__', {})
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise Refusal(f'{path}: __metadata__ must map strings to strings')
    data, tensors, ranges = blob[8 + n:], {}, []
    for name, info in header.items():
        info = info if isinstance(info, dict) else {}
        dtype, shape, offsets = info.get('dtype'), info.get('shape'), info.get('data_offsets')
        if dtype not in dtypes:
            raise Refusal(f'{path}: tensor {name} has dtype {json.dumps(dtype)}; model weights must be F32, F16, BF16 or F64')
        if not (isinstance(shape, list) and all(isinstance(k, int) and k >= 0 for k in shape)):
            raise Refusal(f'{path}: tensor {name}: shape {json.dumps(shape)} is not a list of sizes')
        size = math.prod(shape) * sizes[dtype]
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(k, int) for k in offsets)
                and 0 <= offsets[0] and offsets[1] - offsets[0] == size and offsets[1] <= len(data)):
            raise Refusal(f'{path}: tensor {name}: data_offsets {json.dumps(offsets)} do not hold {dtype} {shape} '
                          f'within the {len(data)} bytes of data')
        begin, end = offsets
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=dtypes[dtype]) if size else torch.zeros(0, dtype=dtypes[dtype])
        tensors[name] = t.reshape(shape).float()
        ranges.append((begin, end, name))
    at = 0
    for begin, end, name in sorted(ranges):  # the specification: the tensors tile the data, no holes, no overlaps
        if begin != at:
            raise Refusal(f'{path}: tensor {name} starts at byte {begin} of the data, not {at}: holes or overlaps')
        at = end
    if at != len(data):
        raise Refusal(f'{path}: the tensors describe {at} bytes of data, but the file holds {len(data)}')
    return tensors, metadata


def write_safetensors(path, tensors, metadata):
    header, offset = {'__metadata__': metadata}, 0
    for name, t in tensors.items():
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + 4 * t.numel()]}
        offset += 4 * t.numel()
    text = json.dumps(header).encode('utf-8')
    text += b' ' * (-len(text) % 8)  # keeps every tensor 8-byte aligned, as the reference writer does

    def write(f):
        f.write(len(text).to_bytes(8, 'little') + text)
        for t in tensors.values():
            t = t.detach().float().cpu().contiguous()
            f.write(ctypes.string_at(t.data_ptr(), 4 * t.numel()))
    atomic_write(path, write)


def atomic_write(path, write):
    """Writes beside the old file, fsyncs, then renames over it: a crash leaves the old or the new, whole."""
    tmp = f'{path}.tmp-{os.getpid()}'
    with open(tmp, 'wb') as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fd = os.open(os.path.dirname(path) or '.', os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ------------------------------------------------------------------------------------------------ model

def gru_recurrence(gi: torch.Tensor, w_hh: torch.Tensor, b_hh: torch.Tensor, h: torch.Tensor,
                   mask: Optional[torch.Tensor], reverse: bool):
    """One direction of a StudioGRU layer over time. gi: x·W_ih + b_ih of every step (T, B, 3H), gates r z n;
    h: the state to start from (B, H); mask: (T, B, 1), 1 = character, or None → outputs (T, B, H), last state."""
    H = h.size(1)
    w_rz, w_n, b_rz, b_n = w_hh[:2 * H], w_hh[2 * H:], b_hh[:2 * H], b_hh[2 * H:]
    # T × (B, 3H). unbind's gradient is one stack; slicing gi at each step would cost a zero-filled (T, B, 3H) each.
    steps = gi.unbind(0)
    masks = mask.unbind(0) if mask is not None else []
    T = len(steps)
    outs = []
    for k in range(T):
        t = T - 1 - k if reverse else k
        g = steps[t]
        rz = torch.sigmoid(g[:, :2 * H] + F.linear(h, w_rz, b_rz))
        r, z = rz[:, :H], rz[:, H:]
        n = torch.tanh(g[:, 2 * H:] + F.linear(r * h, w_n, b_n))  # the reset gate BEFORE the product
        new = n + z * (h - n)  # = (1 - z)·n + z·h
        if mask is not None:
            new = h + masks[t] * (new - h)  # a padded step keeps the state
        outs.append(new)
        h = new
    if reverse:
        outs.reverse()
    return torch.stack(outs), h


class StudioGRU(nn.Module):
    """nn.GRU's parameters (names, shapes, gate order r z n) with the studio's arithmetic, the reset gate
    applied before the recurrent product (Keras reset_after=False):
      r = σ(W_r x + b_ir + U_r h + b_hr), z = σ(W_z x + b_iz + U_z h + b_hz),
      n = tanh(W_n x + b_in + U_n (r*h) + b_hn), h' = (1 - z)*n + z*h."""

    def __init__(self, input_size, hidden_size, num_layers=1, batch_first=True, bidirectional=False, dropout=0.0):
        super().__init__()
        assert batch_first
        self.hidden_size, self.num_layers, self.dropout = hidden_size, num_layers, dropout
        self.suffixes = ['', '_reverse'] if bidirectional else ['']
        H, D = hidden_size, len(self.suffixes)
        for l in range(num_layers):
            for s in self.suffixes:
                In = input_size if l == 0 else D * H
                for name, shape in (('weight_ih', (3 * H, In)), ('weight_hh', (3 * H, H)), ('bias_ih', (3 * H,)), ('bias_hh', (3 * H,))):
                    self.register_parameter(f'{name}_l{l}{s}', nn.Parameter(torch.empty(shape).uniform_(-H ** -0.5, H ** -0.5)))

    def forward(self, x, hx=None, mask=None):
        """x (B, T, In), hx (L·D, B, H) or None, mask (B, T) or None → outputs (B, T, D·H), h_n (L·D, B, H)."""
        B, D = x.size(0), len(self.suffixes)
        x = x.transpose(0, 1)  # time-major (T, B, In): each step's slice is contiguous
        m = None if mask is None else mask.t().unsqueeze(-1).to(x.dtype)
        finals = []
        for l in range(self.num_layers):
            outs = []
            for d, s in enumerate(self.suffixes):
                w_ih, w_hh, b_ih, b_hh = (getattr(self, f'{name}_l{l}{s}') for name in ('weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'))
                gi = F.linear(x, w_ih, b_ih)  # every step's input projection in one matmul: (T, B, 3H)
                h0 = x.new_zeros(B, self.hidden_size) if hx is None else hx[l * D + d]
                out, h = gru_recurrence(gi, w_hh, b_hh, h0, m, d == 1)
                outs.append(out)
                finals.append(h)
            x = torch.cat(outs, 2) if D > 1 else outs[0]
            if l < self.num_layers - 1:
                x = F.dropout(x, self.dropout, self.training)
        return x.transpose(0, 1), torch.stack(finals)


class StudioModel(nn.Module):
    """The studio's generator or classifier, from config.json's `model` and `task`."""

    def __init__(self, cfg):
        super().__init__()
        m = cfg['model']
        E, H, L, p = m['embedding'], m['units'], m['layers'], m['dropout']
        self.is_classifier, self.pooling = cfg['task'] == 'classify', m.get('pooling')
        self.directions = 2 if m['bidirectional'] else 1
        self.embedding = nn.Embedding(m['vocabSize'], E, padding_idx=0 if self.is_classifier else None)
        cell = {'lstm': nn.LSTM, 'rnn': nn.RNN, 'gru': StudioGRU}[m['cell']]
        # Dropout between layers is the cell's own; the top layer's is self.drop (the studio drops it too).
        self.rnn = cell(E, H, num_layers=L, batch_first=True, bidirectional=m['bidirectional'], dropout=p if L > 1 else 0.0)
        self.drop = nn.Dropout(p)
        self.output = nn.Linear(self.directions * H, m['outputs'])

    def forward(self, ids, lengths=None):
        """Generators: ids (B, T) → logits (B, T, V). Classifiers: ids (B, T) right-padded with 0, lengths (B,)
        → class logits (B, C)."""
        return self.classify(ids, lengths) if self.is_classifier else self.generate(ids)[0]

    def generate(self, ids, state=None):
        """ids (B, T), the recurrent state to start from (None = zeros) → logits (B, T, V), the state after."""
        out, state = self.rnn(self.embedding(ids), state)  # (B, T, H)
        return self.output(self.drop(out)), state

    def classify(self, ids, lengths):
        T, D = ids.size(1), self.directions
        mask = (torch.arange(T, device=ids.device)[None, :] < lengths[:, None]).float()  # (B, T)
        x = self.embedding(ids)  # (B, T, E)
        if isinstance(self.rnn, StudioGRU):
            out, h = self.rnn(x, mask=mask)
        else:  # packed, so cuDNN reads only the real characters (an empty text reads one pad, undone below)
            packed = nn.utils.rnn.pack_padded_sequence(x, lengths.clamp(min=1).cpu(), batch_first=True, enforce_sorted=False)
            out, h = self.rnn(packed)
            out = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=T)[0]  # (B, T, D·H)
            h = h[0] if isinstance(h, tuple) else h  # LSTM: (h, c)
        if self.pooling == 'last':  # the forward state after the last character (+ the backward one after the first)
            pooled = torch.cat(list(h[-D:]), 1) * (lengths > 0)[:, None]  # an empty text pools to zeros
        elif self.pooling == 'mean':
            pooled = (out * mask[..., None]).sum(1) / lengths.clamp(min=1)[:, None]
        else:  # padded steps score -1e9, as in the studio (an empty text pools to -1e9: |h| < 1 vanishes beside it)
            pooled = (out + (mask[..., None] - 1) * 1e9).max(1).values
        return self.output(self.drop(pooled))  # (B, C)


def load_weights(model, path):
    tensors, metadata = read_safetensors(path)
    want = model.state_dict()
    missing = [n for n in want if n not in tensors]
    extra = [n for n in tensors if n not in want]
    if missing or extra:
        raise Refusal(f'{path}: ' + '; '.join(filter(None, [missing and f'no tensor {", ".join(missing)}',
                                                            extra and f'unexpected tensor {", ".join(extra)}'])) + ' for this config.json')
    for name, t in tensors.items():
        if tuple(t.shape) != tuple(want[name].shape):
            raise Refusal(f'{path}: tensor {name} is {list(t.shape)}, config.json says {list(want[name].shape)}')
    model.load_state_dict(tensors, strict=True)
    return metadata


# ------------------------------------------------------------------------------------------------- data

def read_ids(path, count, limit):
    """uint16 LE ids → an int16 tensor (1 GB of text stays 1 GB); read them with `& 0xFFFF`."""
    import array
    a = array.array('H')
    try:
        with open(path, 'rb') as f:
            a.frombytes(f.read())
    except OSError as e:
        raise Refusal(f'{path}: cannot read it ({e.strerror})')
    if sys.byteorder == 'big':
        a.byteswap()
    if len(a) != count:
        raise Refusal(f'{path}: holds {len(a)} ids, config.json says {count}')
    ids = torch.frombuffer(a, dtype=torch.int16) if a else torch.zeros(0, dtype=torch.int16)
    top = max([int((chunk.int() & 0xFFFF).max()) for chunk in ids.split(1 << 24)], default=0)
    if top >= limit:
        raise Refusal(f'{path}: holds id {top}, beyond the model\'s {limit} embedding rows')
    return ids


class GeneratorData:
    """The studio's windows: non-overlapping windows of seqLen + 1 at a random offset each epoch, shuffled
    (random overlapping ones when the training part is too short for a batch); fixed validation windows."""

    def __init__(self, cfg, folder):
        d, t = cfg['data'], cfg['train']
        self.T = t['seqLen']
        ids = read_ids(os.path.join(folder, d['file']), d['tokens'], cfg['model']['outputs'])
        if not 0 <= d['valStart'] <= d['tokens']:
            raise Refusal(f'config.json: data.valStart {d["valStart"]} is not within the {d["tokens"]} tokens')
        self.train, val = ids[:d['valStart']], ids[d['valStart']:]
        if len(self.train) < self.T + 1:
            raise Refusal(f'the training part has {len(self.train)} characters, fewer than one window of --seq-len {self.T} + 1')
        self.val = []
        if len(val) >= 2:
            T = min(self.T, len(val) - 1)
            starts = [k * T for k in range(min((len(val) - 1) // T, t['evalBatches'] * t['batch']))]
            self.val = [self.windows(val, starts[i:i + t['batch']], T) for i in range(0, len(starts), t['batch'])]

    def windows(self, ids, starts, T=None):
        T = T or self.T
        index = torch.tensor(starts)[:, None] + torch.arange(T + 1)  # (n, T + 1)
        w = ids[index].long() & 0xFFFF
        return w[:, :-1], w[:, 1:]  # inputs, targets

    def epoch(self, rng, B, world):
        """The global batches' window starts for one epoch."""
        N, T = len(self.train), self.T
        fewest = (N - T) // T  # windows at the worst offset: every epoch has as many batches
        if fewest < B:
            return [[rng.randrange(N - T) for _ in range(B)]]
        offset = rng.randrange(T)
        starts = [offset + k * T for k in range((N - 1 - offset) // T)]
        rng.shuffle(starts)
        return [starts[i * B:(i + 1) * B] for i in range(fewest // B)]


class ClassifierData:
    """Examples shuffled each epoch; the export's validation examples."""

    def __init__(self, cfg, folder):
        d = cfg['data']
        path = os.path.join(folder, d['examples'])
        try:
            with open(path, encoding='utf-8') as f:
                ex = json.load(f)
            lengths, labels, val = ex['lengths'], ex['labels'], ex['val']
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise Refusal(f'{path}: not an examples file with lengths, labels and val ({e})')
        C = cfg['model']['outputs']
        if len(lengths) != len(labels) or any(not isinstance(n, int) or n < 0 for n in lengths):
            raise Refusal(f'{path}: lengths must be one count per example ({len(lengths)} lengths, {len(labels)} labels)')
        if any(not isinstance(c, int) or not 0 <= c < C for c in labels):
            raise Refusal(f'{path}: labels must be class indices below {C}')
        if any(not isinstance(i, int) or not 0 <= i < len(labels) for i in val) or len(set(val)) != len(val):
            raise Refusal(f'{path}: val must list distinct example indices below {len(labels)}')
        ids = read_ids(os.path.join(folder, d['file']), sum(lengths), cfg['model']['vocabSize'])
        starts = [0]
        for n in lengths:
            starts.append(starts[-1] + n)
        self.texts = [ids[starts[i]:starts[i + 1]] for i in range(len(lengths))]
        self.labels, held = labels, set(val)
        self.train_idx = [i for i in range(len(labels)) if i not in held]
        self.val_idx = sorted(held)
        if not self.train_idx:
            raise Refusal(f'{path}: every example is held out for validation; none is left to train on')
        self.weights = [1.0] * C
        if cfg['train'].get('classWeights') == 'balanced':  # train_n / (C · count_c), over training examples
            counts = [0] * C
            for i in self.train_idx:
                counts[labels[i]] += 1
            self.weights = [len(self.train_idx) / (C * n) if n else 0.0 for n in counts]

    def batch(self, indices):
        """Examples → ids (n, T) right-padded with 0, lengths (n,), labels (n,)."""
        lengths = torch.tensor([len(self.texts[i]) for i in indices])
        ids = torch.zeros(len(indices), max(1, int(lengths.max())), dtype=torch.long)
        for row, i in enumerate(indices):
            ids[row, :len(self.texts[i])] = self.texts[i].long() & 0xFFFF
        return ids, lengths, torch.tensor([self.labels[i] for i in indices])

    def epoch(self, rng, B, world):
        """The global batches of one epoch; a last one too small to give every process an example is left out."""
        order = self.train_idx[:]
        rng.shuffle(order)
        return [order[i:i + B] for i in range(0, len(order), B) if len(order) - i >= world]


# --------------------------------------------------------------------------------------------- training

def batch_loss(model, data, share, global_weight, classify, device):
    """This process's share of the global batch → its part of the global mean loss, times the world size
    (DDP averages gradients over processes, so the result is the gradient of the global mean)."""
    if classify:
        ids, lengths, y = data.batch(share)
        logits = model(ids.to(device), lengths.to(device))
        w = torch.tensor([data.weights[c] for c in y.tolist()], device=device)
        return (F.cross_entropy(logits, y.to(device), reduction='none') * w).sum() / global_weight
    x, y = data.windows(data.train, share)
    logits = model(x.to(device))  # (n, T, V)
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.to(device).reshape(-1), reduction='sum') / global_weight


def evaluate(model, data, classify, rank, world, device):
    """Validation loss (and accuracy), each process taking every world-th batch, summed across them."""
    sums = torch.zeros(3, dtype=torch.float64, device=device)  # loss, count, right
    model.eval()
    with torch.no_grad():
        if classify:
            for k in range(rank * 256, len(data.val_idx), world * 256):
                ids, lengths, y = data.batch(data.val_idx[k:k + 256])
                p = torch.softmax(model(ids.to(device), lengths.to(device)), 1).cpu()
                sums += torch.tensor([-p.gather(1, y[:, None]).clamp(min=1e-12).log().sum().item(), len(y), (p.argmax(1) == y).sum().item()],
                                     dtype=torch.float64, device=device)
        else:
            for x, y in data.val[rank::world]:
                logits = model(x.to(device))
                ce = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.to(device).reshape(-1), reduction='sum')
                sums += torch.tensor([ce.item(), y.numel(), 0], dtype=torch.float64, device=device)
    model.train()
    if world > 1:
        dist.all_reduce(sums)
    loss, count, right = sums.tolist()
    return (loss / count, right / count) if count else (None, None)


def newest_weights(cfg, folder):
    """(step, path) of the newest checkpoints/step-N.safetensors, else of model.safetensors: what training
    resumes from, what --probe and --sample read by default, and what import-model brings home."""
    found = [(int(m.group(1)), p) for p in glob.glob(os.path.join(folder, 'checkpoints', 'step-*.safetensors'))
             if (m := re.fullmatch(r'step-(\d+)\.safetensors', os.path.basename(p)))]
    return max(found) if found else (cfg['step'], os.path.join(folder, 'model.safetensors'))


def train(args, cfg):
    t, classify = cfg['train'], cfg['task'] == 'classify'
    world, rank, local = (int(os.environ.get(k, d)) for k, d in (('WORLD_SIZE', 1), ('RANK', 0), ('LOCAL_RANK', 0)))
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    if device == 'cuda' and not torch.cuda.is_available():
        raise Refusal('--device cuda: PyTorch sees no CUDA device here')
    where = torch.device(f'cuda:{local}' if device == 'cuda' else 'cpu')
    if device == 'cuda':
        torch.cuda.set_device(where)
    B = args.batch or t['batch']
    if B < world:
        raise Refusal(f'--batch {B} is smaller than the {world} processes: each needs at least one {"example" if classify else "window"}')
    say = print if rank == 0 else (lambda *a, **k: None)
    data = (ClassifierData if classify else GeneratorData)(cfg, args.dir)
    if classify and len(data.train_idx) < world:
        raise Refusal(f'{len(data.train_idx)} training examples cannot be shared by {world} processes')

    model = StudioModel(cfg)
    step, weights = newest_weights(cfg, args.dir)
    load_weights(model, weights)
    model.to(where)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr or t['lr'])
    optim_path = weights[:-len('.safetensors')] + '.optim.pt'
    if os.path.exists(optim_path):
        opt.load_state_dict(torch.load(optim_path, map_location=where))
        say(f'resuming at step {step} from {os.path.relpath(weights, args.dir)} with its Adam state')
    else:
        say(f'starting at step {step} from {os.path.relpath(weights, args.dir)}; Adam starts fresh (its moments are not in the file)')

    if world > 1:
        dist.init_process_group('nccl' if device == 'cuda' else 'gloo')
        net = torch.nn.parallel.DistributedDataParallel(model, device_ids=[local] if device == 'cuda' else None)
    else:
        net = model
    seed = args.seed if args.seed is not None else (t.get('seed') or 0)
    rng = random.Random(seed * 1_000_003 + step)  # the same on every process: they agree on each global batch
    torch.manual_seed(seed * 1_000_003 + step * 101 + rank)  # dropout masks differ per process
    say(f'{cfg["task"]} {cfg["model"]["cell"]} {cfg["model"]["layers"]}x{cfg["model"]["units"]}, batch {B} over {world} '
        f'process{"es" * (world > 1)} on {device}, {args.steps} steps')

    metrics = os.path.join(args.dir, 'metrics.jsonl')
    os.makedirs(os.path.join(args.dir, 'checkpoints'), exist_ok=True)
    t0, plan, loss_sum, since = time.time(), [], 0.0, 0
    for k in range(1, args.steps + 1):
        if not plan:
            plan = data.epoch(rng, B, world)
        batch = plan.pop(0)
        if classify:
            global_weight = sum(data.weights[data.labels[i]] for i in batch)
        else:
            global_weight = len(batch) * data.T
        share = batch[rank * len(batch) // world:(rank + 1) * len(batch) // world]
        loss = batch_loss(net, data, share, max(global_weight, 1e-8) / world, classify, where)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if t['clip'] > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), t['clip'])
        opt.step()
        step, since = step + 1, since + 1
        loss_sum += loss.item() / world
        last = k == args.steps
        if k % args.eval_every == 0 or last:
            total = torch.tensor([loss_sum], dtype=torch.float64, device=where)
            if world > 1:
                dist.all_reduce(total)
            val, accuracy = evaluate(model, data, classify, rank, world, where)
            line = {'step': step, 'loss': total.item() / since, 'valLoss': val, 'seconds': round(time.time() - t0, 3)}
            if classify:
                line['valAccuracy'] = accuracy
            if rank == 0:
                with open(metrics, 'a', encoding='utf-8') as f:
                    f.write(json.dumps(line) + '\n')
                    f.flush()
                    os.fsync(f.fileno())
            say(json.dumps(line), flush=True)
            loss_sum, since = 0.0, 0
        if (k % args.checkpoint_every == 0 or last) and rank == 0:
            save_checkpoint(args.dir, step, model, opt)
    if world > 1:
        dist.barrier()
        # PyTorch 1.13 can deadlock tearing DDP's gloo group down at exit: the main thread holds the GIL while it
        # joins a gloo worker that wants the GIL to free a tensor (seen here, one process spinning for good).
        # Everything is written and fsynced by now, so each process leaves without that teardown.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def save_checkpoint(folder, step, model, opt):
    base = os.path.join(folder, 'checkpoints', f'step-{step}')
    write_safetensors(base + '.safetensors', model.state_dict(), {'format': FORMAT, 'step': str(step)})
    atomic_write(base + '.optim.pt', lambda f: torch.save(opt.state_dict(), f))
    for old in glob.glob(os.path.join(folder, 'checkpoints', 'step-*.optim.pt')):  # only the newest is needed to resume
        if old != base + '.optim.pt':
            os.remove(old)
    print(f'wrote {os.path.relpath(base, folder)}.safetensors', flush=True)


# ------------------------------------------------------------------------------------- probe and sample

def probe(args, cfg):
    try:
        with open(args.probe, encoding='utf-8') as f:
            rows = json.load(f)['ids']
        assert isinstance(rows, list) and rows and all(isinstance(r, list) and all(isinstance(i, int) for i in r) for r in rows)
    except (OSError, ValueError, KeyError, TypeError, AssertionError):
        raise Refusal(f'{args.probe}: expected JSON {{"ids": [[id, ...], ...]}} with at least one row')
    limit = cfg['model']['vocabSize']
    if any(not 0 <= i < limit for r in rows for i in r):
        raise Refusal(f'{args.probe}: ids must be in [0, {limit})')
    model = load_model(args, cfg)
    with torch.no_grad():
        if cfg['task'] == 'classify':
            lengths = torch.tensor([len(r) for r in rows])
            ids = torch.zeros(len(rows), max(1, int(lengths.max())), dtype=torch.long)
            for b, r in enumerate(rows):
                ids[b, :len(r)] = torch.tensor(r, dtype=torch.long)
            p = torch.softmax(model(ids, lengths), -1)
        else:
            if len({len(r) for r in rows}) != 1 or not rows[0]:
                raise Refusal(f'{args.probe}: a generator reads rows of one length, at least 1')
            p = torch.softmax(model(torch.tensor(rows)), -1)
    print(json.dumps({'probabilities': p.tolist()}))


def sample(args, cfg):
    if cfg['task'] != 'generate':
        raise Refusal('--sample: this model is a classifier; only generators write text')
    vocab_path = os.path.join(args.dir, 'vocab.json')
    try:
        with open(vocab_path, encoding='utf-8') as f:
            vocab = json.load(f)
        chars, unknown, start = vocab['chars'], vocab.get('unknownId'), vocab['startChar']
    except (OSError, ValueError, KeyError) as e:
        raise Refusal(f'{vocab_path}: cannot read the vocabulary ({e})')
    index = {c: i for i, c in enumerate(chars) if c != ''}
    prime = args.prime or ''
    strangers = sorted({c for c in prime if c not in index}) if unknown is None else []
    if strangers:
        raise Refusal(f'--prime contains characters this model never saw: {" ".join(map(json.dumps, strangers[:10]))}')
    if not prime and start not in index:
        raise Refusal(f'{vocab_path}: startChar {json.dumps(start)} is not one of its chars')
    feed = [index.get(c, unknown) for c in prime] or [index[start]]
    model = load_model(args, cfg)
    text, state = [], None
    with torch.no_grad():
        logits, state = model.generate(torch.tensor([feed]), state)
        for _ in range(args.length):
            scores = logits[0, -1].clone()
            if unknown is not None:
                scores[unknown] = -math.inf  # the studio never writes the unknown symbol
            nxt = int(scores.argmax())  # the first of equal maxima, as the studio picks
            text.append(chars[nxt])
            logits, state = model.generate(torch.tensor([[nxt]]), state)
    out = prime + ''.join(text)
    print(json.dumps({'text': out}) if args.json else out)


def load_model(args, cfg):
    model = StudioModel(cfg)
    load_weights(model, args.weights or newest_weights(cfg, args.dir)[1])
    return model.eval()


# ------------------------------------------------------------------------------------------------- main

def main(argv=None):
    ap = argparse.ArgumentParser(description='Train an RNN Studio export on with PyTorch (see the docstring at the top).')
    ap.add_argument('--dir', default=HERE, help='the export folder (default: the one this script is in)')
    ap.add_argument('--steps', type=int, default=1000, help='optimizer steps to take (default 1000)')
    ap.add_argument('--device', choices=('cpu', 'cuda'), help='default: cuda when PyTorch sees a GPU')
    ap.add_argument('--batch', type=int, help="global batch, split across processes (default: the studio's)")
    ap.add_argument('--lr', type=float, help="Adam's learning rate (default: the studio's)")
    ap.add_argument('--eval-every', type=int, default=100, help='steps between metrics lines and validations (default 100, as the studio)')
    ap.add_argument('--checkpoint-every', type=int, default=1000, help='steps between checkpoints (default 1000; one is also written at the end)')
    ap.add_argument('--seed', type=int, help="seed of the batches and dropout (default: the studio run's)")
    ap.add_argument('--threads', type=int, help='CPU threads per process (default: PyTorch\'s)')
    ap.add_argument('--probe', metavar='IDS.json', help='print the probabilities for {"ids": [[...], ...]} as JSON, then exit')
    ap.add_argument('--sample', action='store_true', help='print greedy text (argmax at each step), then exit')
    ap.add_argument('--prime', help='--sample: the text to start from (default: the start character, not shown)')
    ap.add_argument('--length', type=int, default=200, help='--sample: characters to write (default 200)')
    ap.add_argument('--json', action='store_true', help='--sample: print {"text": ...}')
    ap.add_argument('--weights', help='--probe/--sample: a .safetensors file (default: the newest checkpoint, else model.safetensors)')
    args = ap.parse_args(argv)
    for name in ('steps', 'eval_every', 'checkpoint_every', 'batch', 'threads', 'length'):
        value = getattr(args, name)
        if value is not None and value < (0 if name == 'length' else 1):
            ap.error(f'--{name.replace("_", "-")} must be at least {0 if name == "length" else 1}')
    if args.lr is not None and not args.lr > 0:
        ap.error('--lr must be above 0')
    try:
        cfg = read_config(args.dir)
        if args.threads:
            torch.set_num_threads(args.threads)
        if args.probe:
            probe(args, cfg)
        elif args.sample:
            sample(args, cfg)
        else:
            train(args, cfg)
    except Refusal as e:
        print(f'train.py: {e}', file=sys.stderr)
        sys.exit(2)


if __name__ == '__main__':
    main()
