"""Build the data sets bundled with bayes_magic from ``../shared/data`` (run from the repo root).

Each bundled set is a CSV of the values plus a JSON file of Stata metadata (storage types,
formats, variable labels, value labels, dataset label, source). String grouping variables are
stored as labelled integers, as Stata's ``encode`` would make them. The talk's ``math`` data keep
exactly the four variables, labels and time stamp shown by ``describe`` in ``../shared/seed``.

    python tools/bundle_data.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

SRC = Path(__file__).resolve().parents[1].parent / "shared" / "data"
DST = Path(__file__).resolve().parents[1] / "bayes_magic" / "dataset" / "bundled"

SETS = {
    "math": dict(
        columns=["schid", "homework", "schtype", "math"],
        label="",
        filename="math.dta",
        timestamp="21 Feb 2022 14:12",
        types={"schid": "float", "homework": "float", "schtype": "float", "math": "float"},
        labels={
            "schid": "School ID",
            "homework": "Time spent on math homework each week",
            "schtype": "School type",
            "math": "Math score",
        },
        value_labels={"public": {0: "Private", 1: "Public"}},
        vlabel={"schtype": "public"},
        source="NELS-88 imm23 sample (Kreft & de Leeuw 1998), as used in the Stata talk",
    ),
    "sleepstudy": dict(
        label="Reaction times in a sleep deprivation study (lme4)",
        labels={
            "Reaction": "Average reaction time (ms)",
            "Days": "Days of sleep deprivation",
            "Subject": "Subject number",
        },
        source="R package lme4, data sleepstudy (Belenky et al. 2003)",
    ),
    "dyestuff": dict(
        label="Yield of dyestuff by batch of intermediate product (lme4)",
        labels={"Batch": "Batch of intermediate product", "Yield": "Yield of dyestuff (grams)"},
        source="R package lme4, data Dyestuff (Davies 1947)",
    ),
    "dyestuff2": dict(
        label="Simulated dyestuff yields with no batch effect (lme4)",
        labels={"Batch": "Batch", "Yield": "Simulated yield"},
        source="R package lme4, data Dyestuff2 (Box & Tiao 1973)",
    ),
    "penicillin": dict(
        label="Variation in penicillin testing (lme4)",
        labels={
            "diameter": "Diameter of growth inhibition zone (mm)",
            "plate": "Assay plate",
            "sample": "Penicillin sample",
        },
        source="R package lme4, data Penicillin (Davies & Goldsmith 1972)",
    ),
    "pastes": dict(
        label="Paste strength by delivery batch and cask (lme4)",
        labels={
            "strength": "Paste strength",
            "batch": "Delivery batch",
            "cask": "Cask within batch",
            "sample": "Batch and cask",
        },
        source="R package lme4, data Pastes (Davies & Goldsmith 1972)",
    ),
    "cbpp": dict(
        label="Contagious bovine pleuropneumonia (lme4)",
        labels={
            "herd": "Herd",
            "incidence": "New serological cases",
            "size": "Herd size",
            "period": "Period",
        },
        source="R package lme4, data cbpp (Lesnoff et al. 2004)",
    ),
    "radon": dict(
        label="Radon in Minnesota homes (Gelman & Hill 2007)",
        labels={
            "log_radon": "Log radon level",
            "floor": "Floor of measurement (0 basement, 1 first)",
            "uranium": "County log uranium",
            "county": "County",
            "county_name": "County name",
        },
        source="R package HLMdiag, data radon",
    ),
    "eight_schools": dict(
        label="Eight schools coaching experiment (Rubin 1981)",
        labels={"school": "School", "y": "Estimated effect", "sigma": "Standard error"},
        source="Gelman et al., Bayesian Data Analysis, 3rd ed., Table 5.2",
    ),
}


def smallest_int_type(v: np.ndarray) -> str:
    for t, (lo, hi) in (
        ("byte", (-127, 100)),
        ("int", (-32767, 32740)),
        ("long", (-2147483647, 2147483620)),
    ):
        if v.min() >= lo and v.max() <= hi:
            return t
    return "double"


def fmt(t: str) -> str:
    return {
        "byte": "%8.0g",
        "int": "%8.0g",
        "long": "%12.0g",
        "float": "%9.0g",
        "double": "%10.0g",
    }.get(t, "%9s")


def build(name: str, spec: dict) -> None:
    df = pd.read_csv(SRC / f"{name}.csv")
    if "columns" in spec:
        df = df[spec["columns"]]
    types = dict(spec.get("types", {}))
    vlabel = dict(spec.get("vlabel", {}))
    value_labels = {
        k: {str(a): b for a, b in v.items()} for k, v in spec.get("value_labels", {}).items()
    }
    keep_strings = {"county_name"}
    for c in df.columns:
        if not pd.api.types.is_numeric_dtype(df[c]) and c not in keep_strings:
            codes, uniques = pd.factorize(df[c], sort=True)
            df[c] = codes + 1
            value_labels[c] = {str(i + 1): str(u) for i, u in enumerate(uniques)}
            vlabel[c] = c
            types.setdefault(c, "byte" if len(uniques) <= 100 else "int")
        elif c not in types:
            if not pd.api.types.is_numeric_dtype(df[c]):
                n = int(df[c].str.len().max())
                types[c] = f"str{n}"
            elif (df[c] == np.round(df[c])).all():
                types[c] = smallest_int_type(df[c].to_numpy())
            else:
                types[c] = "double"
    meta = {
        "filename": spec.get("filename", f"{name}.dta"),
        "label": spec.get("label", ""),
        "timestamp": spec.get("timestamp"),
        "source": spec["source"],
        "variables": {
            c: {
                "type": types[c],
                "format": fmt(types[c])
                if not types[c].startswith("str")
                else f"%-{max(9, int(types[c][3:]))}s",
                "label": spec.get("labels", {}).get(c, ""),
                "vlabel": vlabel.get(c, ""),
            }
            for c in df.columns
        },
        "value_labels": value_labels,
    }
    df.to_csv(DST / f"{name}.csv", index=False)
    (DST / f"{name}.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"{name}: {df.shape[0]} x {df.shape[1]}")


if __name__ == "__main__":
    DST.mkdir(parents=True, exist_ok=True)
    for n in sys.argv[1:] or SETS:
        build(n, SETS[n])
