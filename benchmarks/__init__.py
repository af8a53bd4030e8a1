"""Benchmarks for arifOS Core: ``python -m benchmarks`` (``--smoke`` for a quick check).

One run measures, interleaving the contenders round by round so machine drift hits all equally:

1. ``backend``: non-streaming call overhead of the raw ``openai`` SDK, our ``openai_compatible``
   backend and ``litellm.completion`` against a loopback server (``_server``);
2. ``backend``: time to first chunk and total time of a 200-chunk stream, same contenders;
3. ``governance``: ``GovernedPipeline.run``'s own time, SQLite ledger on and off;
4. ``governance``: governed streams of 10 KB, 100 KB and 1 MB (time per KB);
5. ``imports``: import times in fresh interpreters;
6. ``ledger``: durable appends and verification per second, SQLite and PostgreSQL;
7. ``concurrency``: 64 concurrent ``arun`` calls against the raw async SDK.

Results go to ``benchmarks/results/latest.json`` and ``latest.md`` (or ``--out DIR``). These are
measurements, not tests: nothing here fails on a missed target; the report says which were met.
"""
