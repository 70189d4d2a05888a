"""The Markdown body of bench/driver-suites.sh's report, from its TSV (suite, run, test, status, message).

Per suite and run: passed / failed / skipped. Then every test whose outcome differs between runs
(session vs direct, transaction vs session), grouped by its first error line with numbers, names in
quotes and ports made generic, largest group first, with the tests of each group.
"""
import collections
import re
import sys

RUNS = ["direct", "session", "transaction"]


def load(path):
    rows = collections.defaultdict(lambda: collections.defaultdict(dict))  # suite -> run -> test -> (status, message)
    with open(path, encoding="utf-8") as f:
        next(f)
        for line in f:
            suite, run, test, status, message = (line.rstrip("\n").split("\t") + [""] * 5)[:5]
            rows[suite][run][test] = (status, message)
    return rows


def cause(message):
    m = re.sub(r'"[^"]*"', '"…"', message)
    m = re.sub(r"'[^']*'", "'…'", m)
    m = re.sub(r"\b\d+\b", "N", m)
    m = re.sub(r"\(exit N, N tests passed before\)", "", m)
    return m.strip()[:160] or "(no message)"


def counts(tests):
    c = collections.Counter(status for status, _ in tests.values())
    return c["passed"], c["failed"], c["skipped"]


def main(tsv, durations_path):
    rows = load(tsv)
    durations = {}
    try:
        with open(durations_path) as f:
            for line in f:
                suite, run, seconds = line.split()
                durations[(suite, run)] = int(seconds)
    except FileNotFoundError:
        pass
    out = []
    for suite in [s for s in rows if not s.endswith("-tests")]:
        runs = [r for r in RUNS if r in rows[suite]]
        unit = "test files" if suite == "node-postgres" else "tests"
        out.append(f"## {suite}\n")
        header = "| run | passed | failed | skipped | total | minutes |"
        if suite == "node-postgres":
            header = "| run | files passed | files failed | skipped | files | minutes | tests passed (✔) |"
        out.append(header)
        out.append("|" + "---|" * (header.count("|") - 1))
        for run in runs:
            p, fl, s = counts(rows[suite][run])
            minutes = durations.get((suite, run))
            line = f"| {run} | {p} | {fl} | {s} | {len(rows[suite][run])} | {'' if minutes is None else round(minutes / 60, 1)} |"
            if suite == "node-postgres":
                ticks = sum(int(m) for _, m in rows[suite + "-tests"][run].values())
                line += f" {ticks} |"
            out.append(line)
        out.append("")
        for a, b in (("direct", "session"), ("session", "transaction"), ("direct", "transaction")):
            if a not in rows[suite] or b not in rows[suite]:
                continue
            worse = [t for t, (st, _) in rows[suite][b].items()
                     if st == "failed" and rows[suite][a].get(t, ("missing", ""))[0] == "passed"]
            better = [t for t, (st, _) in rows[suite][b].items()
                      if st == "passed" and rows[suite][a].get(t, ("missing", ""))[0] == "failed"]
            out.append(f"### {unit.capitalize()} that pass {a} and fail {b}: {len(worse)}"
                       f" (and {len(better)} the other way round)\n")
            if (a, b) == ("direct", "transaction"):
                out.append("(Counted, not listed: the two sections above list them.)\n")
                continue
            groups = collections.defaultdict(list)
            for t in worse:
                groups[cause(rows[suite][b][t][1])].append(t)
            for c, tests in sorted(groups.items(), key=lambda kv: -len(kv[1])):
                out.append(f"- **{len(tests)}** × `{c}`")
                for t in sorted(tests):
                    out.append(f"  - {t}: {rows[suite][b][t][1][:200]}")
            if better:
                out.append(f"- the other way round: {', '.join(sorted(better))}")
            out.append("")
        failing_everywhere = [t for t, (st, _) in rows[suite].get("direct", {}).items() if st == "failed"]
        if failing_everywhere:
            out.append(f"### {unit.capitalize()} failing direct: {len(failing_everywhere)}\n")
            for t in sorted(failing_everywhere):
                out.append(f"- {t}: {rows[suite]['direct'][t][1][:200]}")
            out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
