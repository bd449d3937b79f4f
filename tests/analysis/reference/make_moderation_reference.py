"""Write moderation_corp_rep.json: seminr-py's two-stage moderation on corp_rep.

Run from the repository root: `.venv/bin/python tests/analysis/reference/make_moderation_reference.py`
(seminr-py 0.2.1, in the dev extras). The model is the primer's simple model plus CUSA:LIKE -> CUSL.
"""

import json
from pathlib import Path

import pandas as pd
import seminr as sm

HERE = Path(__file__).resolve().parent


def main() -> None:
    frame = pd.read_csv(HERE / "corp_rep.csv")
    constructs = sm.constructs(
        sm.composite("COMP", ["comp_1", "comp_2", "comp_3"]),
        sm.composite("LIKE", ["like_1", "like_2", "like_3"]),
        sm.composite("CUSA", ["cusa"]),
        sm.composite("CUSL", ["cusl_1", "cusl_2", "cusl_3"]),
        sm.interaction_term(iv="CUSA", moderator="LIKE", method=sm.two_stage),
    )
    relations = sm.relationships(
        sm.paths(from_=["COMP", "LIKE"], to="CUSA"),
        sm.paths(from_=["COMP", "LIKE", "CUSA", "CUSA*LIKE"], to="CUSL"),
    )
    model = sm.estimate_pls(frame, constructs, relations, missing_value=-99)
    paths = {
        f"{a.replace('*', ':')} -> {b}": float(model.path_coef.get(a, b))
        for a in model.path_coef.rows
        for b in model.path_coef.cols
        if model.path_coef.get(a, b) != 0
    }
    r2 = {c: float(model.r_squared.get("Rsq", c)) for c in ("CUSA", "CUSL")}
    out = {"paths": paths, "r_squared": r2}
    path = HERE / "moderation_corp_rep.json"
    path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
