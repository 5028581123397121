#!/usr/bin/env python3
"""The GRAF + LF-columns XGBoost peer (issue #20 part 7): fits one XGBoost regressor per labelled subset.

Reads what bench/peer-graf.ts writes into DIR and writes the held-out predictions back; the driver scores them
with the project's Kendall's tau, so the peer and DELE are scored by the same code.

  DIR/task.json      {"rows": n, "cols": d, "heldOut": [i, ...], "subsets": [{"seed": s, "labelled": [i, ...]}, ...]}
  DIR/features.f64   n x d little-endian float64, row-major (NaN = missing; XGBoost routes it)
  DIR/target.f64     n little-endian float64
  ->
  DIR/predictions.f64  len(subsets) x len(heldOut) little-endian float64
  DIR/model.json       xgboost version, the regressor's settings (every one, defaults included) and which subsets
                       reused an earlier identical fit ("sameAs": {k: earlier k})

Model (Kadlecova et al., ICML 2024, the issue's recipe): 10,000 trees, learning rate 0.01, everything else
XGBoost's default, random_state = the subset's seed. Usage: python3 bench/peer_graf_xgb.py DIR [--threads N]
"""
import json
import sys
import time

import numpy as np
import xgboost

N_TREES = 10000
LEARNING_RATE = 0.01


def regressor(seed: int, threads: int) -> xgboost.XGBRegressor:
    return xgboost.XGBRegressor(n_estimators=N_TREES, learning_rate=LEARNING_RATE, random_state=seed, n_jobs=threads)


def main() -> None:
    args = sys.argv[1:]
    if not args:
        sys.exit("usage: peer_graf_xgb.py DIR [--threads N]")
    folder = args[0]
    threads = int(args[args.index("--threads") + 1]) if "--threads" in args else 1
    with open(f"{folder}/task.json", encoding="utf-8") as f:
        task = json.load(f)
    rows, cols = task["rows"], task["cols"]
    features = np.fromfile(f"{folder}/features.f64", dtype="<f8")
    if features.size != rows * cols:
        sys.exit(f"features.f64 holds {features.size} values, expected {rows} x {cols}")
    features = features.reshape(rows, cols)
    target = np.fromfile(f"{folder}/target.f64", dtype="<f8")
    if target.size != rows:
        sys.exit(f"target.f64 holds {target.size} values, expected {rows}")
    held_out = np.asarray(task["heldOut"], dtype=np.int64)
    predictions = np.empty((len(task["subsets"]), held_out.size), dtype="<f8")
    settings = None
    # With no row or column sampling (XGBoost's defaults) the seed draws nothing: a subset labelled as an earlier
    # one gets that fit's predictions (dele bench's first-N tables label the same archs for every seed).
    draws_nothing = all(getattr(regressor(0, threads), key) in (None, 1) for key in ("subsample", "colsample_bytree", "colsample_bylevel", "colsample_bynode"))
    fitted = {}
    same_as = {}
    for k, subset in enumerate(task["subsets"]):
        labelled = np.asarray(subset["labelled"], dtype=np.int64)
        if not np.all(np.isfinite(target[labelled])):
            sys.exit(f"subset {k}: a labelled architecture has no target value")
        key = tuple(subset["labelled"])
        if draws_nothing and key in fitted:
            predictions[k] = predictions[fitted[key]]
            same_as[k] = fitted[key]
            print(f"subset {k + 1}/{len(task['subsets'])}: the labels of subset {fitted[key] + 1}, its fit", file=sys.stderr, flush=True)
            continue
        fitted[key] = k
        t = time.time()
        model = regressor(int(subset["seed"]), threads)
        model.fit(features[labelled], target[labelled])
        predictions[k] = model.predict(features[held_out])
        if settings is None:
            config = json.loads(model.get_booster().save_config())
            updaters = config["learner"]["gradient_booster"]["updater"]
            settings = {
                # JSON has no NaN: the missing-value marker (NaN) is written as the string "nan".
                "params": {key: (str(value) if isinstance(value, float) and value != value else value) for key, value in model.get_params().items() if value is not None},
                "tree_method": config["learner"]["gradient_booster"]["gbtree_train_param"]["tree_method"],
                "updater": config["learner"]["gradient_booster"]["gbtree_train_param"]["updater"],
                "objective": config["learner"]["objective"]["name"],
                # The tree settings every updater shares (depth, child weight, sampling, regularisation, ...).
                "train_param": next(iter(updaters.values()))["train_param"],
            }
        print(f"subset {k + 1}/{len(task['subsets'])}: {labelled.size} labels, seed {subset['seed']}, {time.time() - t:.1f} s", file=sys.stderr, flush=True)
    predictions.tofile(f"{folder}/predictions.f64")
    with open(f"{folder}/model.json", "w", encoding="utf-8") as f:
        json.dump({"xgboost": xgboost.__version__, "numpy": np.__version__, "threads": threads, "settings": settings, "sameAs": same_as}, f, default=str, allow_nan=False)


if __name__ == "__main__":
    main()
