"""GS1 library: strict Digital Link parsing beside biip, GTIN checks beside python-stdnum, and the
cost of EPCIS validation, event hashing and label sheets."""

import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from stdnum import ean

from countyhub.gs1 import digital_link, epcis, hashing, keys, labels

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "gs1"))
from county_chain import NAMESPACES, county_events  # test data, found via sys.path


def per_call(function, items, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for item in items:
            function(item)
        best = min(best, time.perf_counter() - start)
    return best / len(items)


def main():
    bodies = [f"{n:013d}" for n in range(6901234500000, 6901234502000)]
    gtins = [b + keys.check_digit(b) for b in bodies]
    uris = [
        digital_link.DigitalLink.product(g, lot=f"L{i}", attributes={"17": "270131"}).uri
        for i, g in enumerate(gtins)
    ]
    ours = per_call(digital_link.parse, uris)
    theirs = per_call(GS1DigitalLinkURI.parse, uris)
    print(f"Digital Link parse   countyhub {ours * 1e6:7.1f} us   biip {theirs * 1e6:7.1f} us")
    ours = per_call(keys.normalise_gtin, gtins)
    theirs = per_call(ean.validate, gtins)
    print(f"GTIN validate        countyhub {ours * 1e6:7.1f} us   stdnum {theirs * 1e6:7.1f} us")

    chain = county_events()
    events = [
        e.__class__(**{**e.__dict__, "event_time": e.event_time + timedelta(minutes=i)})
        for i in range(100)
        for e in chain
    ]
    document = epcis.document_to_jsonld(
        epcis.build_document(events, namespaces=NAMESPACES, creation_date=datetime.now(UTC))
    )
    start = time.perf_counter()
    problems = epcis.validate_document(document)
    validate = time.perf_counter() - start
    start = time.perf_counter()
    epcis.parse_document(document)
    parse = time.perf_counter() - start
    start = time.perf_counter()
    ids = hashing.document_hash_ids(document)
    hashed = time.perf_counter() - start
    print(
        f"EPCIS {len(events)} events   validate {validate:.2f} s ({len(problems)} problems)   "
        f"import {parse:.2f} s   hash IDs {hashed:.2f} s ({hashed / len(ids) * 1e3:.2f} ms/event)"
    )
    content = [
        labels.LabelContent(f"修文猕猴桃 {i}号", uri, brand="黔货出山", lot=f"L{i}")
        for i, uri in enumerate(uris[:63])
    ]
    start = time.perf_counter()
    pdf = labels.label_sheet_pdf(content)
    print(
        f"label sheet 63 labels (3 A4 pages)   {time.perf_counter() - start:.2f} s, "
        f"{len(pdf) / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
