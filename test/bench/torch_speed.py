#!/usr/bin/python3
"""PyTorch's training speed on one char-RNN config, for `npm run bench`'s scaling table and P1 ratios.
Usage: torch_speed.py train <lstm|gru|rnn> <units> <layers> <batch> <seq> [steps=10] [threads=2]
       torch_speed.py peak [threads=2]      # the machine's sgemm throughput (GFLOP/s), the peak figures are a fraction of
Embedding(65, 64) -> `layers` × LSTM/GRU/RNN(units) -> Linear(units, 65); cross-entropy on every timestep; Adam
lr 2e-3; clip_grad_norm_ 5 — the same work as RNN Studio's P1 at other sizes. Two warm-up steps, then the
median step. Prints one JSON line with train_chars_per_s, train_step_ms_median and peak_rss_mb.
Run it tuned (OPENBLAS_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE LD_LIBRARY_PATH=…/openblas-pthread), as
../shared/bench/README.md says."""
import json, resource, statistics, sys, time
import torch
import torch.nn as nn

mode = sys.argv[1]
if mode == "peak":
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    torch.set_num_threads(threads)
    n = 1024
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(3):
        a @ b
    times = []
    for _ in range(15):
        t0 = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t0)
    print(json.dumps({"sgemm_gflops": round(2 * n ** 3 / min(times) / 1e9, 1), "sgemm_gflops_median": round(2 * n ** 3 / statistics.median(times) / 1e9, 1), "threads": threads}))
    sys.exit(0)

cell, H, L, B, T = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
STEPS = int(sys.argv[7]) if len(sys.argv) > 7 else 10
torch.set_num_threads(int(sys.argv[8]) if len(sys.argv) > 8 else 2)
V, E, LR, CLIP, WARM = 65, 64, 2e-3, 5.0, 2
kind = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cell]


class CharRNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, E)
        self.rnn = kind(E, H, num_layers=L, batch_first=True)
        self.out = nn.Linear(H, V)

    def forward(self, x):
        y, _ = self.rnn(self.emb(x))
        return self.out(y)


torch.manual_seed(1)
model = CharRNN()
opt = torch.optim.Adam(model.parameters(), lr=LR)
lossf = nn.CrossEntropyLoss()
x = torch.randint(0, V, (B, T))
y = torch.randint(0, V, (B, T))
times = []
for i in range(WARM + STEPS):
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = lossf(model(x).reshape(-1, V), y.reshape(-1))
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), CLIP)
    opt.step()
    loss.item()
    if i >= WARM:
        times.append(time.perf_counter() - t0)
median = statistics.median(times)
print(json.dumps({
    "engine": "pytorch", "torch": torch.__version__, "cell": cell, "units": H, "layers": L, "batch": B, "seq": T,
    "train_chars_per_s": round(B * T / median), "train_step_ms_median": round(median * 1000, 1),
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
}))
