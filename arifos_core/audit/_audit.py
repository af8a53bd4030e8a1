"""Running the probes: repeats and majority rule, the audit report, the static matrix, the
ledger record and the catalog fragment. Only ``run_audit`` does I/O (through the backend) and
``record_audit`` (through the ledger); everything else builds data."""

from __future__ import annotations

import hashlib
import random
import re
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from ..backends import LLMBackend, list_backends
from ..contracts import (
    UNKNOWN,
    CapabilityCheck,
    CapabilityValue,
    Catalog,
    Contract,
    check_capabilities,
    load_catalog,
    load_contract,
    vocabulary,
)
from ..ledger import Ledger, LedgerEntry, canonical
from ._probes import PROBES, Probe, Redactor, Trial

__all__ = [
    "LEDGER_KIND",
    "AuditReport",
    "AuditTarget",
    "ProbeResult",
    "Progress",
    "StaticMatrix",
    "StaticRow",
    "catalog_update",
    "ledger_record",
    "majority",
    "record_audit",
    "run_audit",
    "static_matrix",
]

#: The ledger entry kind of an audit.
LEDGER_KIND = "audit"

Status = Literal["confirmed", "mismatch", "new", "undecided"]
#: ``progress(done, total, label)``: called before each trial and once at the end.
Progress = Callable[[int, int, str], None]


def _sha256(data: Any) -> str:
    return hashlib.sha256(canonical(data).encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def majority(outcomes: Sequence[bool | None]) -> CapabilityValue:
    """True if more than half of the decided trials passed, False if more than half failed,
    else "unknown" (also when no trial decided)."""
    decided = [o for o in outcomes if o is not None]
    passed = sum(1 for o in decided if o)
    if passed * 2 > len(decided):
        return True
    if (len(decided) - passed) * 2 > len(decided):
        return False
    return UNKNOWN


def requirement(contract: Contract, capability: str) -> str:
    """``required``, ``recommended`` or ``optional`` under the contract."""
    if capability in contract.required_capabilities:
        return "required"
    if capability in contract.recommended_capabilities:
        return "recommended"
    return "optional"


# -- live audit ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProbeResult:
    """One capability: what was declared, what the trials observed, and the evidence."""

    capability: str
    rule: str
    requirement: str
    declared: CapabilityValue
    observed: CapabilityValue
    trials: tuple[Trial, ...]

    @property
    def passed(self) -> int:
        return sum(1 for t in self.trials if t.outcome is True)

    @property
    def failed(self) -> int:
        return sum(1 for t in self.trials if t.outcome is False)

    @property
    def undecided(self) -> int:
        return sum(1 for t in self.trials if t.outcome is None)

    @property
    def status(self) -> Status:
        """``mismatch`` when declared and observed are both booleans and differ (the catalog is
        wrong), ``confirmed`` when they agree, ``new`` when the catalog said "unknown",
        ``undecided`` when the probe could not decide."""
        if self.observed == UNKNOWN:
            return "undecided"
        if self.declared == UNKNOWN:
            return "new"
        return "confirmed" if self.declared is self.observed else "mismatch"

    @property
    def summary(self) -> str:
        """The majority count and the reason of the last trial that decided it."""
        counts = f"{self.passed} pass, {self.failed} fail, {self.undecided} undecided"
        deciding = [t for t in self.trials if t.outcome is (self.observed
                                                           if self.observed != UNKNOWN else None)]
        reason = (deciding or list(self.trials))[-1].reason if self.trials else "not run"
        return f"{counts}: {reason}"

    def transcript(self) -> dict[str, Any]:
        """The evidence: the rule and every trial with its exchanges (redacted)."""
        return {"capability": self.capability, "rule": self.rule,
                "trials": [t.to_dict() for t in self.trials]}

    @property
    def sha256(self) -> str:
        """SHA-256 of the canonical JSON of ``transcript()``."""
        return _sha256(self.transcript())

    def to_dict(self) -> dict[str, Any]:
        return {"capability": self.capability, "requirement": self.requirement,
                "declared": self.declared, "observed": self.observed, "status": self.status,
                "passed": self.passed, "failed": self.failed, "undecided": self.undecided,
                "summary": self.summary, "sha256": self.sha256, **self.transcript()}


def public_url(url: str | None) -> str | None:
    """``url`` without user info, query or fragment (where credentials may hide)."""
    if not url:
        return url
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


@dataclass(frozen=True)
class AuditTarget:
    """What was audited: the name given, where it resolved, and the server."""

    name: str
    family: str | None = None
    preset: str | None = None
    model: str = ""
    provider: str = ""
    base_url: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", public_url(self.base_url))

    def describe(self) -> str:
        where = "/".join(p for p in (self.family, self.preset) if p) or self.provider
        text = f"{self.name} ({where}, model {self.model or '?'})"
        return text + (f" at {self.base_url}" if self.base_url else "")


@dataclass(frozen=True)
class AuditReport:
    """A live audit: per capability declared vs observed, and the contract verdicts."""

    target: AuditTarget
    contract: Contract
    results: tuple[ProbeResult, ...]
    declared_check: CapabilityCheck
    observed_check: CapabilityCheck
    repeat: int
    seed: int
    strict: bool
    started: str
    finished: str
    elapsed_s: float
    ledger_entry: str | None = None

    @property
    def verdict(self) -> str:
        """The contract verdict on the observed capabilities."""
        return self.observed_check.verdict

    @property
    def exit_code(self) -> int:
        """1 when the contract fails on the observed capabilities, else 0."""
        return 1 if self.verdict == "FAIL" else 0

    @property
    def observed(self) -> dict[str, CapabilityValue]:
        return {r.capability: r.observed for r in self.results}

    @property
    def declared(self) -> dict[str, CapabilityValue]:
        return {r.capability: r.declared for r in self.results}

    @property
    def mismatches(self) -> tuple[ProbeResult, ...]:
        """Capabilities the catalog gets wrong."""
        return tuple(r for r in self.results if r.status == "mismatch")

    @property
    def evidence_sha256(self) -> str:
        """SHA-256 over every capability's transcript hash, in order."""
        return _sha256([[r.capability, r.sha256] for r in self.results])

    def failing(self, result: ProbeResult) -> str | None:
        """Why this capability fails the audit (contract or catalog), or None."""
        check = self.observed_check
        if result.capability in check.missing_required:
            return f"required by {self.contract.name} and observed false"
        if check.strict and result.capability in check.unknown_required:
            return f"required by {self.contract.name} and undecided (strict mode)"
        if result.status == "mismatch":
            return (f"catalog mismatch: declared {_show(result.declared)}, observed "
                    f"{_show(result.observed)}")
        return None

    def to_dict(self) -> dict[str, Any]:
        def check(c: CapabilityCheck) -> dict[str, Any]:
            return {"verdict": c.verdict, "reason": c.reason,
                    "missing_required": list(c.missing_required),
                    "missing_recommended": list(c.missing_recommended),
                    "unknown_required": list(c.unknown_required),
                    "unknown_recommended": list(c.unknown_recommended)}

        return {
            "kind": "arifos.audit", "target": vars(self.target).copy(),
            "contract": {"name": self.contract.name, "version": self.contract.version,
                         "source": self.contract.source, "digest": self.contract.digest},
            "repeat": self.repeat, "seed": self.seed, "strict": self.strict,
            "started": self.started, "finished": self.finished,
            "elapsed_s": round(self.elapsed_s, 3), "verdict": self.verdict,
            "exit_code": self.exit_code, "declared_check": check(self.declared_check),
            "observed_check": check(self.observed_check),
            "declared": self.declared, "observed": self.observed,
            "mismatches": [r.capability for r in self.mismatches],
            "evidence_sha256": self.evidence_sha256, "ledger_entry": self.ledger_entry,
            "results": [r.to_dict() for r in self.results],
        }


def _show(value: CapabilityValue) -> str:
    return value if isinstance(value, str) else str(value).lower()


def run_audit(backend: LLMBackend, *, contract: Contract | None = None,
              declared: Mapping[str, CapabilityValue] | None = None,
              target: AuditTarget | None = None, repeat: int = 1, seed: int | None = None,
              strict: bool = False, probes: Sequence[Probe] = PROBES,
              progress: Progress | None = None, redactor: Redactor | None = None) -> AuditReport:
    """Probe ``backend`` ``repeat`` times per capability and judge the observed set.

    ``declared`` defaults to ``backend.get_capabilities()``. AuthenticationError aborts the
    audit; every other error is recorded in its trial. Nothing is written anywhere: pass the
    report to :func:`record_audit` and the renderers.
    """
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, not {repeat}")
    contract = contract or load_contract()
    declared = dict(backend.get_capabilities() if declared is None else declared)
    target = target or AuditTarget(backend.model or type(backend).__name__,
                                   provider=backend.provider, model=backend.model)
    seed = secrets.randbits(32) if seed is None else seed
    redactor = redactor or Redactor.from_environment()
    started, clock = _now(), time.perf_counter()
    total, done = len(probes) * repeat, 0
    results = []
    for probe in probes:
        trials: list[Trial] = []
        for index in range(1, repeat + 1):
            if progress:
                progress(done, total, f"{probe.capability} {index}/{repeat}")
            rng = random.Random(f"{seed}:{probe.capability}:{index}")
            trials.append(probe.run(backend, index=index, rng=rng, redact=redactor))
            done += 1
        results.append(ProbeResult(
            probe.capability, probe.rule, requirement(contract, probe.capability),
            declared.get(probe.capability, UNKNOWN), majority([t.outcome for t in trials]),
            tuple(trials)))
    if progress:
        progress(done, total, "done")
    observed = {r.capability: r.observed for r in results}
    return AuditReport(
        target=target, contract=contract, results=tuple(results),
        declared_check=check_capabilities(contract, declared, name=f"{target.name} (declared)",
                                          strict=strict),
        observed_check=check_capabilities(contract, observed, name=f"{target.name} (observed)",
                                          strict=strict),
        repeat=repeat, seed=seed, strict=strict, started=started, finished=_now(),
        elapsed_s=time.perf_counter() - clock)


def ledger_record(report: AuditReport) -> dict[str, Any]:
    """The ledger body of an audit: the verdicts and one SHA-256 per transcript (the
    transcripts themselves stay in the report files)."""
    return {
        "backend": report.target.name, "family": report.target.family,
        "preset": report.target.preset, "model": report.target.model,
        "provider": report.target.provider, "base_url": report.target.base_url,
        "contract": {"name": report.contract.name, "version": report.contract.version,
                     "digest": report.contract.digest},
        "repeat": report.repeat, "seed": report.seed, "strict": report.strict,
        "started": report.started, "finished": report.finished,
        "verdict": report.verdict, "declared_verdict": report.declared_check.verdict,
        "capabilities": {r.capability: {
            "declared": r.declared, "observed": r.observed, "status": r.status,
            "passed": r.passed, "failed": r.failed, "undecided": r.undecided,
            "sha256": r.sha256} for r in report.results},
        "mismatches": [r.capability for r in report.mismatches],
        "evidence_sha256": report.evidence_sha256,
    }


def record_audit(ledger: Ledger, report: AuditReport) -> tuple[AuditReport, LedgerEntry]:
    """Append the audit to the ledger; the report with its entry id, and the entry."""
    entry = ledger.append(LEDGER_KIND, ledger_record(report))
    return replace(report, ledger_entry=entry.id), entry


def _glob_literal(model: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", model)


def catalog_update(report: AuditReport) -> dict[str, Any]:
    """A catalog-shaped fragment with the observed values, for a person to review and merge:
    one model rule (observed true/false only) under the audited family or preset."""
    target = report.target
    decided = {r.capability: r.observed for r in report.results if r.observed != UNKNOWN}
    undecided = [r.capability for r in report.results if r.observed == UNKNOWN]
    note = (f"observed by arifos audit on {report.finished[:10]}"
            f" at {target.base_url or 'the default URL'}, repeat {report.repeat}"
            f" (evidence sha256 {report.evidence_sha256[:16]}…)")
    if undecided:
        note += f"; undecided, left as declared: {', '.join(undecided)}"
    if report.mismatches:
        note += "; differs from the catalog in " + ", ".join(
            f"{r.capability} (declared {_show(r.declared)})" for r in report.mismatches)
    rule = {"match": _glob_literal(target.model), "capabilities": decided, "note": note}
    family = target.family or target.provider or "unknown"
    entry: dict[str, Any] = {"models": [rule]}
    if target.preset:
        entry = {"presets": {target.preset: entry}}
    return {
        "description": "Observed capabilities written by `arifos audit` for review. Merge the "
                       "model rule into spec/backends/catalog.json ahead of broader globs (the "
                       "first matching rule applies), then run `arifos validate`.",
        "families": {family: entry},
    }


# -- static matrix ------------------------------------------------------------------------------

@dataclass(frozen=True)
class StaticRow:
    """One declared capability set and its contract check."""

    subject: str
    kind: str
    family: str
    preset: str | None
    model: str | None
    capabilities: Mapping[str, CapabilityValue]
    check: CapabilityCheck
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "kind": self.kind, "family": self.family,
                "preset": self.preset, "model": self.model,
                "capabilities": dict(self.capabilities), "verdict": self.check.verdict,
                "reason": self.check.reason, "note": self.note}


@dataclass(frozen=True)
class StaticMatrix:
    """Declared capabilities of every registered backend and catalog model vs the contract."""

    contract: Contract
    catalog: Catalog
    capabilities: tuple[str, ...]
    rows: tuple[StaticRow, ...]
    strict: bool = False
    counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        verdicts = {row.check.verdict for row in self.rows}
        return next((v for v in ("FAIL", "WARN") if v in verdicts), "PASS")

    @property
    def exit_code(self) -> int:
        """1 when any row fails the contract, else 0."""
        return 1 if self.verdict == "FAIL" else 0

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "arifos.audit.static",
                "contract": {"name": self.contract.name, "version": self.contract.version,
                             "source": self.contract.source, "digest": self.contract.digest},
                "catalog": {"source": self.catalog.source, "digest": self.catalog.digest},
                "strict": self.strict, "verdict": self.verdict, "exit_code": self.exit_code,
                "counts": dict(self.counts), "capabilities": list(self.capabilities),
                "rows": [row.to_dict() for row in self.rows]}


@dataclass(frozen=True)
class _Subject:
    subject: str
    kind: str
    family: str
    preset: str | None
    model: str | None
    capabilities: Mapping[str, CapabilityValue]
    note: str = ""


def _family_subjects(catalog: Catalog) -> list[_Subject]:
    rows = []
    for name, family in catalog.families.items():
        model = family.connection.default_model
        rows.append(_Subject(name, "family default model", name, None, model,
                             family.capabilities_for(model),
                             "" if model else "no default model: the family's declarations"))
        for preset_name, preset in family.presets.items():
            model = family.connection_for(preset_name).default_model
            rows.append(_Subject(f"{name}/{preset_name}", "preset", name, preset_name, model,
                                 family.capabilities_for(model, preset=preset_name)))
            rows += [_Subject(f"{name}/{preset_name} {rule.match}", "model rule", name,
                              preset_name, rule.match,
                              {**family.capabilities, **preset.capabilities,
                               **rule.capabilities},
                              "pattern as a pseudo-model: family, preset, then this rule")
                     for rule in preset.models]
        rows += [_Subject(f"{name} {rule.match}", "model rule", name, None, rule.match,
                          {**family.capabilities, **rule.capabilities},
                          "pattern as a pseudo-model: family, then this rule")
                 for rule in family.models]
    return rows


def _alias_subjects(catalog: Catalog) -> list[_Subject]:
    rows = []
    for alias_name, alias in catalog.aliases.items():
        targets = [("alias", alias_name, alias.target)] + [
            ("alias deployment", f"{alias_name} @{kind}", t)
            for kind, t in alias.deployments.items()]
        for kind, subject, t in targets:
            family = catalog.family(t.family)
            model = t.model or family.connection_for(t.preset).default_model
            rows.append(_Subject(subject, kind, t.family, t.preset, model,
                                 family.capabilities_for(model, preset=t.preset)))
    return rows


def static_matrix(catalog: Catalog | None = None, contract: Contract | None = None, *,
                  strict: bool = False, backends: Sequence[str] | None = None) -> StaticMatrix:
    """Check every family's default model, every preset, every model rule's match pattern (as
    a pseudo-model), every alias and alias deployment, and every registered backend missing
    from the catalog against the contract. Offline: nothing is built or called."""
    catalog = catalog or load_catalog()
    contract = contract or load_contract()
    names = vocabulary()["capability"]
    rows = []
    counts = {"PASS": 0, "WARN": 0, "FAIL": 0}
    subjects = _family_subjects(catalog) + _alias_subjects(catalog)
    subjects += [_Subject(name, "registered backend", name, None, None,
                          dict.fromkeys(names, UNKNOWN),
                          "not in the catalog: the adapter declares its capabilities when "
                          "built; audit it live")
                 for name in (list_backends() if backends is None else backends)
                 if name not in catalog.families]
    for item in subjects:
        full = {n: item.capabilities.get(n, False) for n in names}
        check = check_capabilities(contract, full, name=item.subject, strict=strict)
        counts[check.verdict] += 1
        rows.append(StaticRow(item.subject, item.kind, item.family, item.preset, item.model,
                              full, check, item.note))
    return StaticMatrix(contract, catalog, names, tuple(rows), strict, counts)
