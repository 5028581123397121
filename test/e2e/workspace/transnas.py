# TransNAS-Bench-101 candidates (micro cells and macro skeletons)
MICRO = ["64-41414-3_33_333", "64-41414-1_02_333"]
MACRO = "64-1234-basic"
