#!/usr/bin/env python3
"""Low-fidelity measures of the user's own PyTorch model, for `dele lf --python MODULE:FUNCTION` and the editor.

Definitions follow NAS-Bench-Suite-Zero (NASLib branch `zerocost`, naslib/predictors/pruners/measures/*.py):
PyTorch-default init, BatchNorm in train mode, one batch, cross-entropy loss, per-layer values summed over every
nn.Conv2d and nn.Linear weight. The newer proxies follow their papers' reference code: MeCo (Jiang et al., NeurIPS
2023), SWAP without its parameter-count factor (Peng et al., ICLR 2024), ZiCo (Li et al., ICLR 2023) and three of
AZ-NAS's four components (Lee & Ham, CVPR 2024; the fourth, complexity, is flops).
dele-nas ships this file; it needs only Python 3.8+ and torch.

Protocol (JSON lines): started as
    python3 dele_lf.py --builder pkg.module:build_model --images FILE --count N [--cwd DIR]
where FILE holds N images as float32 NHWC [N, 32, 32, 3] (already normalised) followed by N int32 labels. It prints
    {"type": "ready", "torch": "<version>", "builder": "<sha256 prefix of the builder's source file>"}
then reads one request per line {"id": 1, "arch": "<canonical string>", "measures": ["flops", ...], "seed": 123}
and answers each with one line {"type": "result", "id": 1, "values": {"flops": 1.2, ...}, "seconds": {...}}
or {"type": "error", "id": 1, "message": "..."} (the builder or a measure raised). A missing torch or a builder that
cannot be imported is {"type": "fatal", "message": "..."} and exit code 2.
"""
import argparse
import copy
import hashlib
import importlib
import json
import math
import os
import sys
import time
import traceback

MEASURES = ('flops', 'params', 'l2_norm', 'synflow', 'nwot', 'jacov', 'snip', 'grad_norm', 'fisher', 'plain', 'meco', 'swap', 'zico', 'az_expressivity', 'az_progressivity', 'az_trainability')
TORCH_HINT = ('PyTorch is not installed for {python}: install it with "{python} -m pip install torch" '
              '(or on Debian/Ubuntu "apt-get install python3-torch"), or point dele at an interpreter that has it '
              '(setting dele.pythonPath, or dele lf --python-path / DELE_PYTHON)')


# The protocol owns stdout; anything the user's code prints goes to stderr (dele shows its tail on errors).
PROTOCOL = sys.stdout
sys.stdout = sys.stderr


def send(msg):
    PROTOCOL.write(json.dumps(msg) + '\n')
    PROTOCOL.flush()


def fatal(message):
    send({'type': 'fatal', 'message': message})
    sys.stderr.write('dele_lf: ' + message + '\n')
    sys.exit(2)


def load_builder(spec, cwd):
    module_name, sep, function_name = spec.partition(':')
    if not sep or not module_name or not function_name:
        fatal('--python must be MODULE:FUNCTION (e.g. mypkg.models:build_model), got "%s"' % spec)
    for d in (cwd, os.getcwd()):
        if d and d not in sys.path:
            sys.path.insert(0, d)
    try:
        module = importlib.import_module(module_name)
    except Exception as e:  # noqa: BLE001 - any import problem is the user's to see
        fatal('cannot import %s (searched %s and sys.path): %s: %s' % (module_name, cwd or os.getcwd(), type(e).__name__, e))
    fn = getattr(module, function_name, None)
    if not callable(fn):
        fatal('%s has no function %s' % (module_name, function_name))
    source = getattr(module, '__file__', None)
    digest = 'unknown'
    if source and os.path.isfile(source):
        with open(source, 'rb') as f:
            digest = hashlib.sha256(f.read()).hexdigest()[:12]
    return fn, digest


def read_batch(torch, path, count):
    with open(path, 'rb') as f:
        raw = f.read()
    pixels = count * 32 * 32 * 3 * 4
    if len(raw) != pixels + count * 4:
        fatal('%s: expected %d images (%d bytes), got %d bytes' % (path, count, pixels + count * 4, len(raw)))
    x = torch.frombuffer(bytearray(raw[:pixels]), dtype=torch.float32).reshape(count, 32, 32, 3)
    y = torch.frombuffer(bytearray(raw[pixels:]), dtype=torch.int32).long()
    return x.permute(0, 3, 1, 2).contiguous(), y


def weighted_layers(torch, net):
    return [m for m in net.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]

def run_hooked(torch, net, modules, hook, x, no_grad=True):
    """One forward pass of x with `hook` on each of `modules` (removed afterwards); returns the output."""
    handles = [m.register_forward_hook(hook) for m in modules]
    try:
        if no_grad:
            with torch.no_grad():
                return net(x)
        return net(x)
    finally:
        for h in handles:
            h.remove()


def count_flops(torch, net):
    """MFLOPs of one image as tensorwatch's ModelStats counts them (NAS-Bench-Suite-Zero's `flops`)."""
    nn = torch.nn
    total = [0]

    def hook(m, inp, out):
        x = inp[0]
        if isinstance(m, nn.Conv2d):
            kh, kw = m.kernel_size
            positions = out.shape[0] * out.shape[2] * out.shape[3]
            total[0] += kh * kw * x.shape[1] * (out.shape[1] // m.groups) * positions
            if m.bias is not None:
                total[0] += out.shape[1] * positions
        elif isinstance(m, nn.modules.batchnorm._BatchNorm):
            total[0] += x.numel() * (2 if m.affine else 1)
        elif isinstance(m, (nn.ReLU, nn.ReLU6, nn.LeakyReLU)):
            total[0] += x.numel()
        elif isinstance(m, (nn.AvgPool2d, nn.MaxPool2d)):
            k = m.kernel_size if isinstance(m.kernel_size, tuple) else (m.kernel_size, m.kernel_size)
            total[0] += out.numel() * k[0] * k[1]
        elif isinstance(m, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
            kh, kw = x.shape[2] // out.shape[2], x.shape[3] // out.shape[3]
            total[0] += out.numel() * (kh + 1) * (kw + 1)
        elif isinstance(m, nn.Linear):
            total[0] += x.numel() // x.shape[-1] * m.in_features * m.out_features

    run_hooked(torch, net, [m for m in net.modules() if len(list(m.children())) == 0], hook, torch.zeros(1, 3, 32, 32))
    return total[0] / 1e6


def synflow(torch, net):
    """ln of Σ|W ⊙ ∂R/∂W| with |W|, BatchNorm as identity, a ones input, in float64."""
    net = copy.deepcopy(net).double()
    for m in net.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.forward = lambda x: x
    with torch.no_grad():
        for p in net.state_dict().values():
            if p.is_floating_point():
                p.abs_()
    net.zero_grad()
    torch.sum(net(torch.ones(1, 3, 32, 32, dtype=torch.float64))).backward()
    score = 0.0
    for m in weighted_layers(torch, net):
        if m.weight.grad is not None:
            score += float(torch.sum(torch.abs(m.weight * m.weight.grad)))
    return math.log(score) if score > 0 else 0.0


def jacov(torch, net, x):
    """-Σ ln(λ+1e-5) + 1/(λ+1e-5) over the eigenvalues of the correlation of the input gradients of Σ logits."""
    x = x.clone().requires_grad_(True)
    y = net(x)
    y.backward(torch.ones_like(y))
    j = x.grad.detach().reshape(x.shape[0], -1).double()
    corr = torch.corrcoef(j)
    if not bool(torch.isfinite(corr).all()):
        return None
    lam = torch.linalg.eigvalsh(corr)
    return float(-torch.sum(torch.log(lam + 1e-5) + 1.0 / (lam + 1e-5)))


def loss_pass(torch, net, x, y, want_nwot):
    """One forward (NASWOT's ReLU kernel on the way) and one cross-entropy backward: snip, grad_norm, fisher, plain."""
    layers = weighted_layers(torch, net)
    n = x.shape[0]
    kernel = torch.zeros(n, n, dtype=torch.float64)
    fisher = {}
    handles = []

    def relu_hook(m, inp, out):
        c = (inp[0].detach().reshape(n, -1) > 0).float()
        kernel.add_((c @ c.t() + (1.0 - c) @ (1.0 - c).t()).double())

    def fisher_hook(layer):
        def forward_hook(m, inp, out):
            act = out.detach()

            def grad_hook(g):
                z = act * g.detach()
                g_nk = torch.sum(z, dim=list(range(2, z.dim()))) if z.dim() > 2 else z
                d = g_nk.pow(2).mean(0).mul(0.5)
                fisher[layer] = d if layer not in fisher else fisher[layer] + d
            if out.requires_grad:
                out.register_hook(grad_hook)
        return forward_hook

    if want_nwot:
        handles += [m.register_forward_hook(relu_hook) for m in net.modules() if 'ReLU' in str(type(m))]
    handles += [m.register_forward_hook(fisher_hook(m)) for m in layers]
    try:
        net.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(x), y)
        loss.backward()
    finally:
        for h in handles:
            h.remove()
    out = {'snip': 0.0, 'grad_norm': 0.0, 'fisher': 0.0, 'plain': 0.0}
    for m in layers:
        g = m.weight.grad
        if g is not None:
            out['snip'] += float(torch.sum(torch.abs(m.weight * g)))
            out['grad_norm'] += float(g.norm())
            out['plain'] += float(torch.sum(m.weight * g))
        if m in fisher:
            out['fisher'] += float(torch.sum(torch.abs(fisher[m]))) * (m.weight[0].numel())
    if want_nwot:
        sign, logdet = torch.linalg.slogdet(kernel)
        out['nwot'] = float(logdet)
    return out


def first_tensor(out):
    """A module's output tensor (the first one of a tuple or list), or None."""
    if isinstance(out, (tuple, list)):
        out = out[0] if out else None
    return out if hasattr(out, 'detach') else None



def meco(torch, net, seed):
    """MeCo: sum over every module of the smallest eigenvalue of the Pearson correlation between the channels of its
    output, for one Gaussian input (seeded). Correlations that are not finite count as 0, as in the reference code."""
    total = [0.0]

    def hook(m, inp, out):
        t = first_tensor(out)
        if t is None or t.dim() < 2:
            return
        fea = t[0].detach().double()
        fea = fea.reshape(fea.shape[0], -1)
        if fea.shape[0] < 2:
            return
        corr = torch.corrcoef(fea)
        corr[~torch.isfinite(corr)] = 0
        lam = float(torch.linalg.eigvalsh(corr)[0])
        if math.isfinite(lam):
            total[0] += lam

    g = torch.Generator().manual_seed(seed)
    run_hooked(torch, net, net.modules(), hook, torch.randn(1, 3, 32, 32, generator=g))
    return total[0]


def swap(torch, net, x):
    """SWAP: the number of distinct sample-wise activation patterns, i.e. of distinct rows among the signs of every
    ReLU output unit over the batch (each unit's row: its sign on each image)."""
    n = x.shape[0]
    codes = []
    shifts = [torch.arange(min(62, n - start), dtype=torch.int64) for start in range(0, n, 62)]

    def hook(m, inp, out):
        t = first_tensor(out)
        if t is None:
            return
        bits = (t.detach().reshape(n, -1) > 0).t().to(torch.int64)  # (units, n)
        # 62 images per int64 word (exact, the sign bit unused); a unit's pattern is its row of words.
        codes.append(torch.stack([(bits[:, 62 * w:62 * w + len(s)] << s).sum(dim=1) for w, s in enumerate(shifts)], dim=1))

    run_hooked(torch, net, [m for m in net.modules() if 'ReLU' in type(m).__name__], hook, x)
    if not codes:
        return None
    rows = torch.cat(codes, dim=0)
    # Distinct rows: sort by every word (least significant first, stable), then count changes between neighbours.
    order = torch.arange(rows.shape[0])
    for w in reversed(range(rows.shape[1])):
        order = order[torch.sort(rows[order, w], stable=True)[1]]
    ordered = rows[order]
    changes = (ordered[1:] != ordered[:-1]).any(dim=1)
    return float(1 + int(changes.sum()))


def zico(torch, net, x, y):
    """ZiCo: the batch split in two halves, one cross-entropy backward each; per nn.Conv2d / nn.Linear weight,
    ln of the sum over its entries of mean|g| / std(g) across the halves (entries with std 0 skipped), summed."""
    layers = weighted_layers(torch, net)
    grads = {m: [] for m in layers}
    half = x.shape[0] // 2
    if half < 1:
        raise ValueError('zico needs a batch of at least 2 images')
    for xs, ys in ((x[:half], y[:half]), (x[half:2 * half], y[half:2 * half])):
        net.zero_grad()
        torch.nn.functional.cross_entropy(net(xs), ys).backward()
        for m in layers:
            if m.weight.grad is not None:
                grads[m].append(m.weight.grad.detach().reshape(-1).double().clone())
    score = 0.0
    for m in layers:
        if len(grads[m]) != 2:
            continue
        g = torch.stack(grads[m])
        std = g.std(dim=0, unbiased=False)
        keep = std != 0
        s = float(torch.sum(g.abs().mean(dim=0)[keep] / std[keep]))
        if s > 0:
            score += math.log(s)
    return score


def blocks_of(torch, net):
    """The network's blocks for AZ-NAS: the children, in order, of the first module below the root that has more
    than one child (a model wrapping one nn.Sequential is read through the wrapper)."""
    m = net
    while len(list(m.children())) == 1:
        m = next(m.children())
    return list(m.children())


def az_nas(torch, net, x, seed):
    """AZ-NAS's expressivity, progressivity and trainability on a copy of the network with Kaiming-normal (fan-in)
    weights, as its reference code: the 4-D outputs of the blocks (blocks_of) over one batch; expressivity sums the
    entropy of the normalised eigenvalues of each feature's channel covariance, progressivity is the smallest rise of
    that entropy from one block to the next, trainability the mean over consecutive blocks of 2 - s - 1/s, s the
    largest singular value of the Rademacher-probed Jacobian between them (-inf for a block that is the identity)."""
    nn = torch.nn
    net = copy.deepcopy(net)
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, mode='fan_in', nonlinearity='relu')
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)) and m.affine:
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
    feats = []

    def hook(m, inp, out):
        t = first_tensor(out)
        if t is not None and t.dim() == 4:
            feats.append(t)

    # The input requires grad so that a block without weights still has a graph.
    run_hooked(torch, net, blocks_of(torch, net), hook, x.clone().requires_grad_(True), no_grad=False)
    if len(feats) < 2:
        raise ValueError('AZ-NAS needs at least two blocks with 4-D outputs, found %d' % len(feats))
    entropies = []
    for f in feats:
        c = f.shape[1]
        v = f.detach().double().permute(0, 2, 3, 1).reshape(-1, c)
        v = v - v.mean(dim=0, keepdim=True)
        lam = torch.linalg.eigvalsh(v.t() @ v / v.shape[0])
        p = lam / lam.sum()
        entropies.append(float(torch.sum(-p * torch.log(p + 1e-8))))
    g = torch.Generator().manual_seed(seed)
    scores = []
    for i in reversed(range(1, len(feats))):
        f_out, f_in = feats[i], feats[i - 1]
        g_out = torch.randint(0, 2, f_out.shape, generator=g).to(f_out.dtype) * 2 - 1
        g_in = torch.autograd.grad(f_out, f_in, grad_outputs=g_out, retain_graph=True, allow_unused=True)[0]
        if g_in is None:
            continue
        if g_in.shape == g_out.shape and bool(torch.all(g_in == g_out)):
            scores.append(-math.inf)
            continue
        if g_in.shape[2] != g_out.shape[2] and g_in.shape[2] % g_out.shape[2] == 0:
            g_in = nn.functional.pixel_unshuffle(g_in, g_in.shape[2] // g_out.shape[2])
        if g_in.shape[2:] != g_out.shape[2:]:
            continue
        a = g_in.detach().double().permute(0, 2, 3, 1).reshape(-1, g_in.shape[1])
        b = g_out.detach().double().permute(0, 2, 3, 1).reshape(-1, g_out.shape[1])
        top = float(torch.linalg.svdvals(a.t() @ b / b.shape[0]).max())
        scores.append(-top - 1 / (top + 1e-6) + 2)
    return {
        'az_expressivity': sum(entropies),
        'az_progressivity': min(b - a for a, b in zip(entropies, entropies[1:])),
        'az_trainability': sum(scores) / len(scores) if scores else None,
    }


def finite(v):
    return v if v is not None and math.isfinite(v) else None


def compute(torch, build, arch, measures, seed, x, y):
    seconds = {}
    values = {}
    t = time.time()
    torch.manual_seed(seed)
    net = build(arch)
    if not isinstance(net, torch.nn.Module):
        raise TypeError('the builder returned %s, not a torch.nn.Module' % type(net).__name__)
    net.train()
    seconds['build'] = time.time() - t
    if 'flops' in measures or 'params' in measures:
        t = time.time()
        if 'params' in measures:
            values['params'] = sum(p.numel() for p in net.parameters()) / 1e6
        if 'flops' in measures:
            values['flops'] = count_flops(torch, copy.deepcopy(net))
        seconds['count'] = time.time() - t
    if 'l2_norm' in measures:
        values['l2_norm'] = sum(float(m.weight.detach().norm()) for m in weighted_layers(torch, net))
    if 'synflow' in measures:
        t = time.time()
        values['synflow'] = synflow(torch, net)
        seconds['synflow'] = time.time() - t
    loss_measures = [m for m in ('snip', 'grad_norm', 'fisher', 'plain', 'nwot') if m in measures]
    if loss_measures:
        t = time.time()
        r = loss_pass(torch, net, x, y, 'nwot' in measures)
        for m in loss_measures:
            values[m] = r[m]
        seconds['loss'] = time.time() - t
    if 'jacov' in measures:
        t = time.time()
        values['jacov'] = jacov(torch, net, x)
        seconds['jacov'] = time.time() - t
    for name, run in (('meco', lambda: meco(torch, net, seed)), ('swap', lambda: swap(torch, net, x)), ('zico', lambda: zico(torch, net, x, y))):
        if name in measures:
            t = time.time()
            values[name] = run()
            seconds[name] = time.time() - t
    az = [m for m in measures if m.startswith('az_')]
    if az:
        t = time.time()
        values.update(az_nas(torch, net, x, seed))
        seconds['az_nas'] = time.time() - t
    return {m: finite(values.get(m)) for m in measures}, seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--builder', required=True, help='MODULE:FUNCTION; FUNCTION(arch_string) returns a torch.nn.Module')
    ap.add_argument('--images', required=True, help='float32 NHWC images then int32 labels')
    ap.add_argument('--count', required=True, type=int, help='images in --images')
    ap.add_argument('--cwd', help='folder added to sys.path (the workspace)')
    ap.add_argument('--threads', type=int, default=0, help='torch intra-op threads (0: torch default)')
    a = ap.parse_args()
    try:
        import torch
    except ImportError:
        fatal(TORCH_HINT.format(python=sys.executable or 'python3'))
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    build, digest = load_builder(a.builder, a.cwd)
    x, y = read_batch(torch, a.images, a.count)
    send({'type': 'ready', 'torch': torch.__version__, 'builder': digest})
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        unknown = [m for m in req['measures'] if m not in MEASURES]
        try:
            if unknown:
                raise ValueError('unknown measure(s) %s; known: %s' % (', '.join(unknown), ', '.join(MEASURES)))
            values, seconds = compute(torch, build, req['arch'], req['measures'], int(req['seed']), x, y)
            send({'type': 'result', 'id': req['id'], 'values': values, 'seconds': seconds})
        except Exception as e:  # noqa: BLE001 - one architecture's failure is that architecture's row
            tb = traceback.extract_tb(e.__traceback__)
            where = ' (%s:%d)' % (os.path.basename(tb[-1].filename), tb[-1].lineno) if tb else ''
            send({'type': 'error', 'id': req['id'], 'message': '%s: %s%s' % (type(e).__name__, e, where)})


if __name__ == '__main__':
    main()
