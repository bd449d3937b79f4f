"""China customs data for cross-border e-commerce exports: currencies and conversion, HS codes,
party codes, the supervision modes' rules, and the GACC CEB messages (built and validated).

Pure Python: never imports Django, so the web apps, the command line and tests share it (as
countyhub.gs1 does). xmlschema, which takes a while to import and build the schema, is imported
inside the functions that validate messages ("lazy: see countyhub.customs").
"""
