# Candidates for the next round: DELE lenses appear above each `cell = ...` once a predictor for the
# declared space tnb-cells (cells.space.yaml) is trained.
cell = ["conv3x3", "conv3x3", "conv3x3", "skip", "conv3x3", "conv3x3"]
cell = "conv1x1-skip-none-conv3x3-skip-conv1x1"
cell = ["conv3x3", "pool", "conv3x3", "skip", "conv3x3", "conv3x3"]  # "pool" is not a choice: an error here
cells = build_cells(config)  # not an architecture: left alone
