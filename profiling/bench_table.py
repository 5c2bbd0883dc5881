#!/usr/bin/env python
"""Print the pytest-benchmark JSON (``make bench``) as a table with fused/modular ratios."""

import json
import sys
from collections import defaultdict


def main(path="profiling/benchmarks.json"):
    with open(path) as f:
        data = json.load(f)
    info = data.get("machine_info", {})
    print(f"machine: {info.get('cpu', {}).get('brand_raw', '?')}, "
          f"{info.get('cpu', {}).get('count', '?')} cores; python {info.get('python_version')}")
    rows = defaultdict(dict)
    for b in data["benchmarks"]:
        path_ = b["params"].get("path") or b["params"].get("c2p")
        rows[b["group"]][path_] = b["stats"]
    print(f"{'benchmark':<26} {'variant':<9} {'median [ms]':>12} {'min [ms]':>10} {'rounds':>7}"
          f" {'modular/fused':>14}")
    for group, variants in rows.items():
        ratio = ""
        if "fused" in variants and "modular" in variants:
            ratio = f"{variants['modular']['median'] / variants['fused']['median']:.1f}x"
        for name, st in variants.items():
            print(f"{group:<26} {name:<9} {1e3 * st['median']:>12.4f} {1e3 * st['min']:>10.4f}"
                  f" {st['rounds']:>7} {ratio if name == 'fused' else '':>14}")


if __name__ == "__main__":
    main(*sys.argv[1:])
