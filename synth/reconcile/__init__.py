"""Claim groups → facts: synth's rules, and optionally a model whose answer must pass checks.

origins.py  which independent origin each source and claim speaks for (pure)
rules.py    the rules' reconcile: groups → facts with a status and variants (pure)
checks.py   what a fact or sentence the model wrote must pass (pure)
schema.py   the model's response schema, whose validators run those checks (pure)
batches.py  the claims as the model sees them, packed into requests (pure)
merge.py    checked model parts and the rules' facts combined into the report (pure)
model.py    the model stage: one cached, retried request per batch (network I/O)
"""
