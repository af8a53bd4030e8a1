"""``arifos run``: one governed call from the command line."""

from __future__ import annotations

import argparse
import json
import sys

from .._errors import BackendError, ContractError, ContractViolation
from ..ledger import LedgerError
from ._common import add_ledger_option, fail


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``run`` command."""
    parser = commands.add_parser(
        "run", help="govern one call to a model and print the output and verdict",
        description="Send PROMPT through the governed pipeline: pre-checks, the model, "
        "post-checks, a verdict and a ledger entry. API keys come from the environment "
        "(e.g. ANTHROPIC_API_KEY). Exit code: 0 output released (SEAL or PARTIAL), "
        "1 withheld (VOID, 888_HOLD, SABAR), 2 usage or setup error.")
    parser.add_argument("prompt", metavar="PROMPT")
    parser.add_argument("--backend", required=True, metavar="NAME",
                        help="model name (claude, gpt-4o, llama-3, ollama:qwen2.5, ...)")
    parser.add_argument("--base-url", metavar="URL", help="server URL for the backend")
    parser.add_argument("--deployment-type", metavar="TYPE",
                        help="ollama, vllm, openai_compatible, ... for local models")
    parser.add_argument("--system", metavar="TEXT", help="system prompt")
    parser.add_argument("--policy", metavar="FILE", help="governance policy (default: shipped)")
    parser.add_argument("--contract", metavar="FILE", help="contract (default: shipped)")
    parser.add_argument("--stream", action="store_true", help="stream the governed output")
    parser.add_argument("--json", action="store_true", help="print the whole result as JSON")
    add_ledger_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..backends import create_backend_from_spec
    from ..governance import GovernedPipeline

    options = {k: v for k, v in (("base_url", args.base_url),
                                 ("deployment_type", args.deployment_type)) if v}
    try:
        backend = create_backend_from_spec(args.backend, spec_path=args.contract, **options)
        pipeline = GovernedPipeline(backend=backend, policy=args.policy, contract=args.contract,
                                    ledger=args.ledger, system=args.system)
    except (ContractError, ContractViolation, BackendError, LedgerError, ImportError,
            ValueError) as exc:
        return fail(str(exc))
    try:
        if args.stream:
            result = None
            for chunk in pipeline.stream(args.prompt):
                if chunk.result is not None:
                    result = chunk.result
                elif not args.json:
                    sys.stdout.write(chunk.text)
                    sys.stdout.flush()
            assert result is not None
            if not args.json:
                sys.stdout.write("\n")
                if result.verdict not in ("SEAL", "PARTIAL"):
                    print(result.output)
        else:
            result = pipeline.run(args.prompt)
            if not args.json:
                print(result.output)
    finally:
        backend.close()
        pipeline.close()
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        audit = f", audit {result.audit_id}" if result.audit_id else ""
        hold = f", hold {result.hold_id}" if result.hold_id else ""
        print(f"verdict: {result.verdict} ({result.reason}){hold}{audit}", file=sys.stderr)
    return 0 if result.verdict in ("SEAL", "PARTIAL") else 1
