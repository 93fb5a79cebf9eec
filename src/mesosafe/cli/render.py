"""Human views of engine results, rendered with Rich (used by `--format text`)."""

from __future__ import annotations

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from mesosafe.engines.results import AftercarePlan, ScreeningResult, TriageResult
from mesosafe.knowledge import Lang

STYLE = {
    "self_care": "green",
    "contact_clinic": "yellow",
    "urgent": "bold red",
    "emergency": "bold white on red",
    "proceed": "green",
    "proceed_with_precautions": "yellow",
    "defer": "yellow",
    "clinician_review": "bold red",
    "do_not_treat": "bold white on red",
}


def _reasons_table(reasons: list[tuple[str, str, str]]) -> Table:
    table = Table(show_header=True, header_style="bold", expand=True)
    table.add_column("level", no_wrap=True)
    table.add_column("why")
    table.add_column("rule", style="dim", no_wrap=True)
    for level, text, rule in reasons:
        table.add_row(f"[{STYLE.get(level, '')}]{level}[/]", text, rule)
    return table


def render_triage(result: TriageResult) -> None:
    console = Console()
    style = STYLE[result.disposition.value]
    console.print(Panel(f"[{style}]{result.label}[/]\n{result.action}", title=result.disposition.value))
    console.print(_reasons_table([(r.level, r.text, r.rule) for r in result.reasons]))
    for course in result.expected:
        console.print(f"• {course.name}: {course.text}")
    console.print(f"Next session possible: {'yes' if result.next_session_ok else 'not yet'}")
    console.print(f"[dim]knowledge base {result.kb_version}[/]")


def render_screening(result: ScreeningResult) -> None:
    console = Console()
    style = STYLE[result.decision.value]
    wait = f"\nWait {result.defer_days:g} more day(s)." if result.defer_days else ""
    console.print(Panel(f"[{style}]{result.label}[/]{wait}", title=result.decision.value))
    rows = [(r.level, r.text + (f" ({r.detail})" if r.detail else ""), r.rule) for r in result.reasons]
    console.print(_reasons_table(rows))
    console.print(f"[dim]knowledge base {result.kb_version}[/]")


def render_aftercare(plan: AftercarePlan, lang: Lang) -> None:
    console = Console()
    table = Table(title="Aftercare", expand=True)
    for column in ("from", "until", "what"):
        table.add_column(column)
    for item in plan.items:
        table.add_row(
            item.starts_at.strftime("%Y-%m-%d %H:%M"),
            item.ends_at.strftime("%Y-%m-%d %H:%M"),
            f"[bold]{item.title[lang]}[/]\n{item.text[lang]}",
        )
    console.print(table)
    console.print("Check-ins: " + ", ".join(c.due_at.strftime("%Y-%m-%d") for c in plan.checkins))
    console.print(f"[dim]knowledge base {plan.kb_version}[/]")
