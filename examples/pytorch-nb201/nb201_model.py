"""NAS-Bench-201's CIFAR-10 network in NASLib's layout (branch `zerocost`, search_spaces/nasbench201), the network
NAS-Bench-Suite-Zero computed its published proxies on. An example builder for `dele lf --python`:

    dele lf --space nb201 --python nb201_model:build_model --sample 200 --out lf.csv

(run from this folder, or pass the folder on PYTHONPATH). build_model takes the architecture as the space's
canonical string, e.g. |nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|
"""
import torch
from torch import nn

OPS = ('none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3')


class ReLUConvBN(nn.Sequential):
    def __init__(self, c_in, c_out, kernel, stride=1):
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(c_out, affine=True, track_running_stats=True),
        )


class Zero(nn.Module):
    def forward(self, x):
        return x.mul(0.0)


def edge_op(name, c):
    if name == 'none':
        return Zero()
    if name == 'skip_connect':
        return nn.Identity()
    if name == 'nor_conv_1x1':
        return ReLUConvBN(c, c, 1)
    if name == 'nor_conv_3x3':
        return ReLUConvBN(c, c, 3)
    if name == 'avg_pool_3x3':
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    raise ValueError('unknown NB201 op %r; known: %s' % (name, ', '.join(OPS)))


def parse(arch):
    """'|op~0|+|op~0|op~1|+|op~0|op~1|op~2|' -> [(to_node, from_node, op), ...] in the string's order."""
    nodes = [n for n in arch.strip().split('+')]
    if len(nodes) != 3:
        raise ValueError('an NB201 cell has 3 nodes separated by "+", got %r' % arch)
    edges = []
    for to, node in enumerate(nodes, start=1):
        parts = [p for p in node.split('|') if p]
        if len(parts) != to:
            raise ValueError('node %d of %r needs %d inputs' % (to, arch, to))
        for part in parts:
            op, _, src = part.partition('~')
            if int(src) >= to:
                raise ValueError('node %d cannot read node %s' % (to, src))
            edges.append((to, int(src), op))
    return edges


class Cell(nn.Module):
    def __init__(self, arch, c):
        super().__init__()
        self.edges = parse(arch)
        self.ops = nn.ModuleList(edge_op(op, c) for _, _, op in self.edges)

    def forward(self, x):
        nodes = [x]
        for to in (1, 2, 3):
            nodes.append(sum(op(nodes[src]) for (t, src, _), op in zip(self.edges, self.ops) if t == to))
        return nodes[3]


class ResBlock(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.a = ReLUConvBN(c_in, c_out, 3, stride=2)
        self.b = ReLUConvBN(c_out, c_out, 3)
        self.shortcut = nn.Sequential(nn.AvgPool2d(2, stride=2, padding=0), nn.Conv2d(c_in, c_out, 1, bias=False))

    def forward(self, x):
        return self.b(self.a(x)) + self.shortcut(x)


class Network(nn.Module):
    def __init__(self, arch, classes=10):
        super().__init__()
        layers = [nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16)]
        for stage, c in enumerate((16, 32, 64)):
            if stage > 0:
                layers.append(ResBlock(c // 2, c))
            layers += [Cell(arch, c) for _ in range(5)]
        layers += [nn.BatchNorm2d(64), nn.ReLU(inplace=False), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, classes)]
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


def build_model(arch):
    return Network(arch)


if __name__ == '__main__':
    net = build_model('|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|')
    print(sum(p.numel() for p in net.parameters()), net(torch.zeros(2, 3, 32, 32)).shape)
