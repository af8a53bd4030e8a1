"""Compliance audit: probe a live backend capability by capability, and check the catalog's
declarations against the contract offline.

    >>> from arifos_core.audit import run_audit, render_table
    >>> from arifos_core.backends import create_backend
    >>> report = run_audit(create_backend("claude"), repeat=3)   # doctest: +SKIP
    >>> print(render_table(report))                              # doctest: +SKIP

Each capability has one probe (``PROBES``), whose rule is the one ``canon/capabilities.md``
gives. Trials are repeated and decided by majority; the report carries every transcript
(redacted) and its SHA-256, which :func:`record_audit` writes to the ledger.
"""

from ._audit import (
    LEDGER_KIND,
    AuditReport,
    AuditTarget,
    ProbeResult,
    Progress,
    StaticMatrix,
    StaticRow,
    catalog_update,
    ledger_record,
    majority,
    record_audit,
    run_audit,
    static_matrix,
)
from ._probes import PROBES, Decision, Exchange, Probe, Redactor, Session, Trial, probe_for
from ._render import (
    ProgressBar,
    render_html,
    render_json,
    render_junit,
    render_static_html,
    render_static_json,
    render_static_junit,
    render_static_table,
    render_table,
)

__all__ = [
    "LEDGER_KIND",
    "PROBES",
    "AuditReport",
    "AuditTarget",
    "Decision",
    "Exchange",
    "Probe",
    "ProbeResult",
    "Progress",
    "ProgressBar",
    "Redactor",
    "Session",
    "StaticMatrix",
    "StaticRow",
    "Trial",
    "catalog_update",
    "ledger_record",
    "majority",
    "probe_for",
    "record_audit",
    "render_html",
    "render_json",
    "render_junit",
    "render_static_html",
    "render_static_json",
    "render_static_junit",
    "render_static_table",
    "render_table",
    "run_audit",
    "static_matrix",
]
