#!/usr/bin/python3
"""The PyTorch reference for `npm run bench -- --quality`: learning per step with PyTorch's default initialisation.

  torch_quality.py gen CORPUS CELL STEPS SEED [--units 256] [--layers 1] [--eval-every 50]
  torch_quality.py classify DATA.json STEPS SEED [--units 64] [--embedding 32] [--eval-every 0]

gen: the char-level model of workload P1 (embedding 64 -> CELL -> linear, cross-entropy on every timestep, batch 32,
seq 64, Adam 2e-3, clipping at global norm 5) on a text file, with the data split of RNN Studio's --val-split 0.05:
validation is the last 5% of the text, up to 8 x 32 fixed windows of 64 from its start; training windows are
non-overlapping at a random offset, shuffled each epoch (drawn the same way as the studio, by a different generator).
CELL: lstm, gru (nn.GRU: the reset gate applied after the recurrent product, PyTorch's default; the studio's GRU
applies it before, as Keras' reset_after=False) or rnn (nn.RNN, tanh). Prints a JSON line at every evaluation
({"step", "val_loss", "t"}: t = seconds since training started, evaluations included), then a final one.

classify: a bidirectional LSTM classifier (embedding -> BiLSTM -> the two directions' final states -> linear) on
examples the bench encoded and split (DATA.json: vocab_size, classes, train and val as [ids, label] pairs), batch
32, Adam 2e-3, clipping 5; prints the held-out accuracy after STEPS steps.

Run it tuned (see ../../../shared/bench/README.md): OPENBLAS_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE
LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread."""
import json, random, sys, time
import torch, torch.nn as nn


def option(name, fallback):
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else fallback


def generator(path, cell, steps, seed):
    H, NL, every = option('--units', 256), option('--layers', 1), option('--eval-every', 50)
    torch.manual_seed(seed); random.seed(seed)
    text = open(path, encoding='utf-8').read()
    chars = sorted(set(text)); stoi = {c: i for i, c in enumerate(chars)}; V = len(chars)
    ids = torch.tensor([stoi[c] for c in text], dtype=torch.long)
    vlen = int(len(ids) * 0.05); tr, va = ids[:-vlen], ids[-vlen:]
    T, B = 64, 32
    vstarts = [k * T for k in range(min((len(va) - 1) // T, 8 * B))]
    rnn = {'lstm': nn.LSTM, 'gru': nn.GRU, 'rnn': nn.RNN}[cell]

    class Model(nn.Module):
        def __init__(s):
            super().__init__()
            s.e = nn.Embedding(V, 64); s.r = rnn(64, H, num_layers=NL, batch_first=True); s.o = nn.Linear(H, V)

        def forward(s, x):  # x: (B, T) -> logits (B, T, V)
            return s.o(s.r(s.e(x))[0])

    m = Model(); opt = torch.optim.Adam(m.parameters(), 2e-3); ce = nn.CrossEntropyLoss()

    def windows(src, starts):
        return torch.stack([src[s:s + T] for s in starts]), torch.stack([src[s + 1:s + T + 1] for s in starts])

    def validate():
        m.eval(); total = 0.0
        with torch.no_grad():
            for i in range(0, len(vstarts), B):
                x, y = windows(va, vstarts[i:i + B]); total += ce(m(x).reshape(-1, V), y.reshape(-1)).item() * len(x)
        m.train(); return total / len(vstarts)

    order = []; t0 = time.perf_counter(); val = None
    for step in range(1, steps + 1):
        if len(order) < B:
            off = random.randrange(T); n = (len(tr) - 1 - off) // T
            order += random.sample([off + k * T for k in range(n)], n)
        starts, order = order[:B], order[B:]
        x, y = windows(tr, starts); loss = ce(m(x).reshape(-1, V), y.reshape(-1))
        opt.zero_grad(); loss.backward(); nn.utils.clip_grad_norm_(m.parameters(), 5); opt.step()
        if (every and step % every == 0) or step == steps:
            val = validate()
            print(json.dumps({"step": step, "val_loss": val, "t": round(time.perf_counter() - t0, 3)}), flush=True)
    print(json.dumps({"engine": "torch", "torch": torch.__version__, "cell": cell, "steps": steps, "seed": seed, "val_loss": val,
                      "train_s": round(time.perf_counter() - t0, 2)}), flush=True)


def classifier(path, steps, seed):
    H, E, every = option('--units', 64), option('--embedding', 32), option('--eval-every', 0)
    torch.manual_seed(seed); random.seed(seed)
    data = json.load(open(path)); V, C = data['vocab_size'], len(data['classes'])
    train, val = data['train'], data['val']
    B = 32

    class Model(nn.Module):
        def __init__(s):
            super().__init__()
            s.e = nn.Embedding(V, E); s.r = nn.LSTM(E, H, batch_first=True, bidirectional=True); s.o = nn.Linear(2 * H, C)

        def forward(s, batch):  # batch: [(ids, label)] -> logits (n, C)
            lengths = torch.tensor([max(1, len(ids)) for ids, _ in batch])
            x = nn.utils.rnn.pad_sequence([torch.tensor(ids or [0], dtype=torch.long) for ids, _ in batch], batch_first=True)
            packed = nn.utils.rnn.pack_padded_sequence(s.e(x), lengths, batch_first=True, enforce_sorted=False)
            _, (h, _) = s.r(packed)  # h: (2, n, H), the forward and backward final states
            return s.o(torch.cat([h[0], h[1]], 1))

    m = Model(); opt = torch.optim.Adam(m.parameters(), 2e-3); ce = nn.CrossEntropyLoss()

    def accuracy():
        m.eval(); right = 0
        with torch.no_grad():
            for i in range(0, len(val), 256):
                b = val[i:i + 256]; right += (m(b).argmax(1) == torch.tensor([l for _, l in b])).sum().item()
        m.train(); return right / len(val)

    order = []; t0 = time.perf_counter(); acc = None
    for step in range(1, steps + 1):
        if len(order) < B:
            order += random.sample(range(len(train)), len(train))
        idx, order = order[:B], order[B:]
        b = [train[i] for i in idx]
        loss = ce(m(b), torch.tensor([l for _, l in b]))
        opt.zero_grad(); loss.backward(); nn.utils.clip_grad_norm_(m.parameters(), 5); opt.step()
        if (every and step % every == 0) or step == steps:
            acc = accuracy()
            print(json.dumps({"step": step, "val_accuracy": acc, "t": round(time.perf_counter() - t0, 3)}), flush=True)
    print(json.dumps({"engine": "torch", "torch": torch.__version__, "task": "classify", "steps": steps, "seed": seed, "val_accuracy": acc,
                      "train_s": round(time.perf_counter() - t0, 2)}), flush=True)


if __name__ == '__main__':
    torch.set_num_threads(2)
    if sys.argv[1] == 'gen':
        generator(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    elif sys.argv[1] == 'classify':
        classifier(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit(__doc__)
