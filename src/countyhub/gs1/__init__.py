"""GS1 standards for traceability: keys, Digital Link, CBV, EPCIS 2.0, event hashes, labels.

Pure Python: never imports Django, so the web apps, the command line and tests share it.
"""
