#!/usr/bin/python3
"""Writes a valid PyTorch export folder (the contract of main/engine/export/pytorch.ts) from random weights
and a random corpus, without the studio, so that train.py can be tested on its own.

  make_fixture.py OUT --task generate|classify --cell lstm|gru|rnn [--layers 1-4] [--pooling last|mean|max]
                  [--bidirectional] [--units 8] [--embedding 6] [--dropout 0.1] [--batch 8] [--step 40]
                  [--class-weights none|balanced] [--unknown] [--seed 1] [--chars 14] [--tokens 3000] [--seq-len 16]

Standard library only, and no code shared with train.py: the tensor names and shapes come from the contract
(PyTorch's nn.LSTM / nn.RNN / nn.GRU layout), and the safetensors writer is this file's own."""
import argparse
import array
import json
import os
import random
import shutil
import struct
import sys

TRAIN_PY = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'resources', 'pytorch', 'train.py')
GATES = {'lstm': 4, 'gru': 3, 'rnn': 1}
# The first 14 spell the fixture's phrase; --chars takes more (P1 has 65).
CHARS = list('\nabcdefghij .,' + 'klmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!?;:\'"-()[]{}<>/@#$%^&*_+=~`|')


def state_dict_shapes(cell, layers, units, embedding, vocab_size, outputs, bidirectional):
    """The names and shapes of the contract, in nn.Module order."""
    G, H, D = GATES[cell], units, 2 if bidirectional else 1
    shapes = [('embedding.weight', [vocab_size, embedding])]
    for l in range(layers):
        for suffix in ['', '_reverse'][:D]:
            In = embedding if l == 0 else D * H
            shapes += [(f'rnn.weight_ih_l{l}{suffix}', [G * H, In]), (f'rnn.weight_hh_l{l}{suffix}', [G * H, H]),
                       (f'rnn.bias_ih_l{l}{suffix}', [G * H]), (f'rnn.bias_hh_l{l}{suffix}', [G * H])]
    return shapes + [('output.weight', [outputs, D * H]), ('output.bias', [outputs])]


def write_safetensors(path, tensors, metadata):
    """tensors: [(name, shape, flat list of floats)] → F32 safetensors."""
    header, offset = {'__metadata__': metadata}, 0
    for name, shape, values in tensors:
        header[name] = {'dtype': 'F32', 'shape': shape, 'data_offsets': [offset, offset + 4 * len(values)]}
        offset += 4 * len(values)
    text = json.dumps(header).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text)
        for _, _, values in tensors:
            f.write(struct.pack(f'<{len(values)}f', *values))


def uint16_le(ids):
    a = array.array('H', ids)
    if sys.byteorder == 'big':
        a.byteswap()
    return a.tobytes()


def make_fixture(out, task='generate', cell='lstm', layers=1, pooling='last', bidirectional=False, units=8, embedding=6,
                 dropout=0.1, batch=8, step=40, class_weights='none', unknown=False, seed=1, tokens=3000, examples=60,
                 n_chars=14, seq_len=16):
    rng = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    classify = task == 'classify'
    chars = ([''] if unknown else []) + CHARS[:n_chars]
    id_offset = 1 if classify else 0
    labels = ['neg', 'pos', 'other'] if classify else None
    vocab_size = len(chars) + id_offset
    outputs = len(labels) if classify else len(chars)
    max_len = 24 if classify else None
    scale = 1.5 / units ** 0.5
    tensors = []
    for name, shape in state_dict_shapes(cell, layers, units, embedding, vocab_size, outputs, bidirectional):
        n = 1
        for k in shape:
            n *= k
        values = [rng.uniform(-scale, scale) for _ in range(n)] if name != 'embedding.weight' else [rng.gauss(0, 1) for _ in range(n)]
        if name == 'embedding.weight' and classify:
            values[:embedding] = [0.0] * embedding  # the padding row, as the exporter writes it
        if name.startswith('rnn.bias_hh'):
            values = [0.0] * n  # the studio's one bias goes into bias_ih
        tensors.append((name, shape, values))
    write_safetensors(os.path.join(out, 'model.safetensors'), tensors, {'format': 'rnn-studio-pytorch', 'step': str(step)})

    if classify:
        # Texts whose class shows in their characters, some empty, some at maxLen.
        lengths, label_ids, ids = [], [], []
        for i in range(examples):
            c = rng.randrange(len(labels))
            n = 0 if i % 17 == 0 else rng.randint(1, max_len)
            text = [id_offset + (1 + c * 4 + rng.randrange(4)) % len(chars) for _ in range(n)]
            lengths.append(n), label_ids.append(c), ids.extend(text)
        val = sorted(rng.sample(range(examples), examples // 5))
        with open(os.path.join(out, 'examples.json'), 'w') as f:
            json.dump({'lengths': lengths, 'labels': label_ids, 'val': val}, f)
        data = {'file': 'corpus.bin', 'examples': 'examples.json', 'count': examples}
    else:
        # A learnable corpus: mostly a repeating phrase, with noise.
        phrase = [chars.index(c) for c in 'abc def.\nghij, ']
        ids = [phrase[i % len(phrase)] if rng.random() > 0.1 else rng.randrange(len(chars)) for i in range(tokens)]
        data = {'file': 'corpus.bin', 'tokens': tokens, 'valStart': tokens - tokens // 10}
    with open(os.path.join(out, 'corpus.bin'), 'wb') as f:
        f.write(uint16_le(ids))

    run_config = {'task': task, 'model': {'cell': cell, 'layers': layers, 'units': units, 'embedding': embedding}}
    config = {
        'format': 'rnn-studio-pytorch', 'version': 1, 'task': task,
        'model': {'cell': cell, 'layers': layers, 'units': units, 'embedding': embedding, 'dropout': dropout,
                  'bidirectional': bidirectional, 'pooling': pooling, 'vocabSize': vocab_size, 'outputs': outputs, 'gru': 'reset-before'},
        'train': {'seqLen': seq_len, 'batch': batch, 'lr': 0.01, 'clip': 5, 'evalBatches': 2, 'classWeights': class_weights,
                  'seed': seed, 'maxLen': max_len},
        'step': step,
        'data': data,
        'source': {'runId': 7, 'checkpointId': 3, 'step': step},
    }
    with open(os.path.join(out, 'config.json'), 'w') as f:
        json.dump(config, f, indent=2)
    vocab = {'format': 'rnn-studio-vocab', 'version': 1, 'task': task, 'chars': chars, 'unknownId': 0 if unknown else None,
             'idOffset': id_offset, 'padId': 0 if classify else None, 'labels': labels, 'maxLen': max_len,
             'startChar': '' if classify else '\n', 'source': config['source'], 'config': run_config}
    with open(os.path.join(out, 'vocab.json'), 'w') as f:
        json.dump(vocab, f)
    shutil.copyfile(TRAIN_PY, os.path.join(out, 'train.py'))
    return config


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('out')
    ap.add_argument('--task', choices=('generate', 'classify'), default='generate')
    ap.add_argument('--cell', choices=tuple(GATES), default='lstm')
    ap.add_argument('--layers', type=int, choices=(1, 2, 3, 4), default=1)
    ap.add_argument('--pooling', choices=('last', 'mean', 'max'), default='last')
    ap.add_argument('--bidirectional', action='store_true')
    ap.add_argument('--units', type=int, default=8)
    ap.add_argument('--embedding', type=int, default=6)
    ap.add_argument('--dropout', type=float, default=0.1)
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--step', type=int, default=40)
    ap.add_argument('--class-weights', choices=('none', 'balanced'), default='none')
    ap.add_argument('--unknown', action='store_true', help="the vocabulary has the unknown symbol '' at index 0")
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--chars', type=int, default=14, help=f'vocabulary size, 14 to {len(CHARS)}')
    ap.add_argument('--tokens', type=int, default=3000, help='generators: corpus length')
    ap.add_argument('--seq-len', type=int, default=16)
    a = ap.parse_args()
    if not 14 <= a.chars <= len(CHARS):
        ap.error(f'--chars must be 14 to {len(CHARS)}')
    if a.task == 'generate' and a.bidirectional:
        ap.error('a generator cannot be bidirectional')
    make_fixture(a.out, a.task, a.cell, a.layers, a.pooling, a.bidirectional, a.units, a.embedding, a.dropout, a.batch,
                 a.step, a.class_weights, a.unknown, a.seed, a.tokens, n_chars=a.chars, seq_len=a.seq_len)
    print(a.out)
