"""Result lines (suite, run, test, status, message; tab-separated) for bench/driver-suites.sh.

  collect.py junit XML RUN            pgjdbc: one line per test case of the JUnit console's legacy XML report
  collect.py node LOG RUN FILE RC     node-postgres: one line for a test file (passed when node exited 0), and one
                                      "node-postgres-tests" line with the number of tests it passed (its ✔ marks)
"""
import re
import sys
import xml.etree.ElementTree as ET


def clean(text, limit=300):
    return " ".join(text.split())[:limit]


def junit(path, run):
    for case in ET.parse(path).getroot().iter("testcase"):
        status, message = "passed", ""
        for kind in ("failure", "error", "skipped"):
            el = case.find(kind)
            if el is not None:
                status = "skipped" if kind == "skipped" else "failed"
                message = el.get("message") or (el.text or "").strip().split("\n")[0] or kind
                break
        print("\t".join(["pgjdbc", run, case.get("classname") + "." + case.get("name"), status, clean(message)]))


def node(log, run, name, rc):
    text = open(log, errors="replace").read()
    lines = text.splitlines()
    passed = text.count("\u2714")
    message = ""
    if rc != 0:
        # the failing test's name (the line ending in FAILED! or the suite's timeout), then the error itself
        failing = next((l for l in lines if l.rstrip().endswith("FAILED!")), "")
        error = next((l for l in lines if re.match(r"\s*(\w*Error\b|error:|AssertionError|Message:)", l)
                      or "Message:" in l), "")
        message = clean(failing.replace("FAILED!", "").strip() + (": " if failing and error else "") + error, 260)
        if rc == 124:
            message = "timed out; " + message
        message += f" (exit {rc}, {passed} tests passed before)"
    print("\t".join(["node-postgres", run, name, "passed" if rc == 0 else "failed", message]))
    print("\t".join(["node-postgres-tests", run, name, "count", str(passed)]))


if __name__ == "__main__":
    if sys.argv[1] == "junit":
        junit(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "node":
        node(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        sys.exit(__doc__)
