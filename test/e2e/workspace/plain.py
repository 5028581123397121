# Ordinary model code: none of these lists is an architecture, so none gets a diagnostic.
import torch.nn as nn

PRIMITIVES = ['none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5']


class Cell(nn.Module):
    def __init__(self, genotype, C):
        super().__init__()
        ops = []
        ops = [OPS[n](C) for n in genotype]
        self._ops = nn.ModuleList(ops)


# A NAS-Bench-101 mapping whose matrix (2x2) does not fit its three ops: a real mistake, reported by NB101.
spec = {"matrix": [[0, 1], [0, 0]], "ops": ["input", "conv3x3-bn-relu", "output"]}
TYPO = "64-41414-1_04_333"  # a real mistake too: op digit 4 does not exist
