"""Write plspredict_corp_rep.json: seminr-py's PLSpredict and it_criteria on corp_rep.

Run from the repository root: `.venv/bin/python tests/analysis/reference/make_plspredict_reference.py`
(seminr-py 0.2.1 is in the dev extras; it matches R seminr to about 1e-14). The shuffle is written
out too, so the test needs neither seminr nor its random generator.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import seminr as sm
from seminr.predict.metrics import summarize_pls_predict
from seminr.predict.techniques import predict_DA, predict_EA

HERE = Path(__file__).resolve().parent
SEED = 2024


def main() -> None:
    frame = pd.read_csv(HERE / "corp_rep.csv")
    constructs = sm.constructs(
        sm.composite("COMP", ["comp_1", "comp_2", "comp_3"]),
        sm.composite("LIKE", ["like_1", "like_2", "like_3"]),
        sm.composite("CUSA", ["cusa"]),
        sm.composite("CUSL", ["cusl_1", "cusl_2", "cusl_3"]),
    )
    relations = sm.relationships(
        sm.paths(from_=["COMP", "LIKE"], to="CUSA"),
        sm.paths(from_=["COMP", "LIKE", "CUSA"], to="CUSL"),
    )
    model = sm.estimate_pls(frame, constructs, relations, missing_value=-99)
    ordering = [int(i) for i in np.random.Generator(np.random.PCG64(SEED)).permutation(344)]
    out: dict[str, object] = {"seed": SEED, "folds": 10, "ordering": ordering}
    for name, technique in (("DA", predict_DA), ("EA", predict_EA)):
        prediction = sm.predict_pls(model, technique=technique, no_folds=10, ordering=ordering)
        summary = summarize_pls_predict(prediction)
        out[name] = {
            table: {
                item: dict(zip(metrics.rows, map(float, metrics.values[:, j]), strict=True))
                for j, item in enumerate(metrics.cols)
            }
            for table, metrics in (
                ("pls_out_of_sample", summary.pls_out_of_sample),
                ("lm_out_of_sample", summary.lm_out_of_sample),
            )
        }
    criteria = sm.it_criteria(model)
    out["it_criteria"] = {
        c: dict(zip(criteria.rows, map(float, criteria.values[:, j]), strict=True))
        for j, c in enumerate(criteria.cols)
    }
    path = HERE / "plspredict_corp_rep.json"
    path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
