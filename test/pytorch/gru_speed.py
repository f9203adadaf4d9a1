#!/usr/bin/python3
"""The figures in train.py's docstring: StudioGRU (the studio's GRU, reset gate before the recurrent product)
against nn.GRU, training P1 (vocabulary 65, embedding 64, 1 x 256, 64 steps, batch 32: forward, backward,
clipping and an Adam step), in characters per second. Also nn.LSTM, for scale.

  OMP_WAIT_POLICY=PASSIVE LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread \\
      /usr/bin/python3 test/pytorch/gru_speed.py [--threads 2] [--steps 30] [--rounds 2] [--device cpu]
Prints one JSON line per variant and round: the median and the fastest step after 3 warm-up steps."""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'resources', 'pytorch'))
import train  # noqa: E402

V, E, H, T, B = 65, 64, 256, 64, 32


class P1(nn.Module):
    def __init__(self, rnn):
        super().__init__()
        self.embedding, self.rnn, self.output = nn.Embedding(V, E), rnn, nn.Linear(H, V)

    def forward(self, x):  # (B, T) → (B, T, V)
        return self.output(self.rnn(self.embedding(x))[0])


def measure(name, rnn, steps, device):
    model = P1(rnn).to(device)
    opt = torch.optim.Adam(model.parameters(), 2e-3)
    x = torch.randint(V, (B, T), device=device)
    y = torch.randint(V, (B, T), device=device)
    times = []
    for k in range(steps + 3):
        t0 = time.perf_counter()
        loss = nn.functional.cross_entropy(model(x).reshape(-1, V), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5)
        opt.step()
        if device.type == 'cuda':
            torch.cuda.synchronize()
        if k >= 3:
            times.append(time.perf_counter() - t0)
    step = statistics.median(times)
    # The fastest step too: on a machine shared with other work it is the steadier figure.
    print(json.dumps({'variant': name, 'step_ms': round(step * 1000, 1), 'chars_per_s': round(B * T / step), 'best_chars_per_s': round(B * T / min(times)),
                      'threads': torch.get_num_threads(), 'torch': torch.__version__}), flush=True)


if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--steps', type=int, default=30)
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--rounds', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    device = torch.device(a.device)
    for _ in range(a.rounds):  # rounds, so that load from other processes falls on every variant alike
        measure('nn.GRU', nn.GRU(E, H, batch_first=True), a.steps, device)
        measure('StudioGRU', train.StudioGRU(E, H, batch_first=True), a.steps, device)
        eager = train.gru_recurrence
        train.gru_recurrence = torch.jit.script(eager)  # the loop under TorchScript, which train.py does not use
        measure('StudioGRU, TorchScript loop', train.StudioGRU(E, H, batch_first=True), a.steps, device)
        train.gru_recurrence = eager
        measure('nn.LSTM', nn.LSTM(E, H, batch_first=True), a.steps, device)
