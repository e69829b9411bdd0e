"""The ``bench --peer`` section of the bench's table and targets."""

from __future__ import annotations

from typing import Any


def _n(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def _mmm(s: dict[str, float] | None) -> str:
    if not s:
        return "-"
    return f"{_n(s['min'])} / {_n(s['median'])} / {_n(s['max'])}"


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 13's same-run ratios: vs cryptofeed, vs the floor, vs the websockets ceiling."""
    out: list[dict[str, Any]] = []
    peer = results.get("peer") or {}
    for c in peer.get("cases", []):
        if c.get("target") and "ratio" in c:
            out.append(_t(f"ours ÷ cryptofeed, {c['case']}", c["ratio"], c["target"]))
        if c.get("floor_target") and "of_floor" in c:
            out.append(
                _t(f"ours ÷ typed-decode floor, {c['case']}", c["of_floor"], c["floor_target"])
            )
    e2e = peer.get("e2e") or {}
    ratios = e2e.get("ratios_to_websockets_ceiling")
    if ratios:
        best = max(ratios["ours-websockets"], ratios["ours-picows"])
        out.append(_t("ours end to end ÷ bare websockets ceiling", best, e2e["target"]))
    return out


def _t(name: str, value: float, goal: float) -> dict[str, Any]:
    return {"name": name, "value": value, "target": f">= {goal:g}", "met": bool(value >= goal)}


def table(results: dict[str, Any]) -> str:
    peer = results["peer"]
    lines = []
    if peer.get("error"):
        return f"Peer: error: {peer['error']}"
    lines.append(
        f"Peer: ours vs {peer['peer']} on identical frames, one core, interleaved rounds "
        f"(load average before {peer['load_avg_before']}, after {peer['load_avg_after']})"
    )
    lines.append(
        f"   {'case':<15}{'ours frames/s min/med/max':>30}{'cryptofeed min/med/max':>28}"
        f"{'ratio':>7}{'(rounds)':>13}{'floor median':>14}{'÷floor':>8}  exact"
    )
    for c in peer.get("cases", []):
        rr = c.get("ratio_rounds") or ["-", "-"]
        lines.append(
            f"   {c['case']:<15}{_mmm(c.get('ours')):>30}{_mmm(c.get('cryptofeed')):>28}"
            f"{c.get('ratio', '-'):>6}×{f'{rr[0]}–{rr[1]}':>13}"
            f"{_n((c.get('floor') or {}).get('median')):>14}{c.get('of_floor', '-'):>8}  "
            f"{'yes' if c['exact'] else 'NO'} ({c['exact_rounds_checked']} rounds)"
        )
        if c.get("problems"):
            lines.append(f"      problems: {'; '.join(c['problems'][:3])}")
    e2e = peer.get("e2e") or {}
    if e2e.get("ratios_to_websockets_ceiling"):
        lines.append("")
        lines.append(
            f"   End to end over loopback, {e2e['case']}, {e2e['frames']:,} frames, "
            f"{e2e['rounds']} rounds (venue in another process)"
        )
        ratios = e2e["ratios_to_websockets_ceiling"]
        for v in ("ceiling-websockets", "ceiling-picows", "ours-websockets", "ours-picows"):
            ratio = "1.00" if v == "ceiling-websockets" else f"{ratios[v]:.2f}"
            lines.append(f"   {v:<22}{_mmm(e2e[v]):>32} frames/s  {ratio}× the websockets ceiling")
        lines.append(
            f"   books exact: {'yes' if e2e['exact'] else 'NO'} "
            f"({e2e['exact_runs_checked']} runs of ours checked)"
        )
    elif e2e.get("problems"):
        lines.append(f"   end to end problems: {'; '.join(e2e['problems'][:3])}")
    return "\n".join(lines)
