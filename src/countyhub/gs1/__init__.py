"""GS1 standards for traceability: keys, Digital Link, CBV, EPCIS 2.0, event hashes, labels.

Pure Python: never imports Django, so the web apps, the command line and tests share it.

Imports are at module level, except for five third-party packages that each take 0.1-0.3 s to
import and sit on the import path of code that rarely needs them: biip (keys, digital_link),
jsonschema (validation), epcis-event-hash-generator with pyld (hashing), reportlab and segno
(labels). The web apps import these modules at start-up (trace.models, catalog.validators,
programs.report), so every `countyhub manage` and `countyhub trace gtin` would pay for them;
each is imported inside the functions that use it, marked "lazy: see countyhub.gs1".
"""
