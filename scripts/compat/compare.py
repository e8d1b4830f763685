"""Compares the host's and the job's outcomes of run_tests.py and fails on a difference nobody documented.

    python3 compare.py HOST_RESULTS JOB_RESULTS ALLOWED COMPATIBILITY_MD

A test that passes on the host and does not pass in the job (fails, errors, is skipped, or is missing: the job
died) is a difference. It is allowed only when ALLOWED lists it (its id, or a prefix of it ending in '.') with a
sandbox property that COMPATIBILITY_MD documents (as `property` in a heading). An allowed entry that no longer
differs is reported, not failed (the sandbox got closer to the host). Exit 0 when every difference is documented.
"""
import re
import sys


def outcomes(path):
    out = {}
    with open(path, errors="replace") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[0] == "RESULT":
                out[parts[2]] = parts[1]
    return out


def allowed(path):
    entries = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            if len(parts) != 2:
                sys.exit(f"{path}:{n}: expected '<test id or prefix.> <property>', got {line!r}")
            entries.append((parts[0], parts[1], n))
    return entries


def main(host_path, job_path, allowed_path, doc_path):
    host, job = outcomes(host_path), outcomes(job_path)
    if not host:
        sys.exit(f"compat: no results from the host run ({host_path})")
    with open(doc_path) as f:
        documented = set(re.findall(r"^#+ .*`([a-z0-9-]+)`", f.read(), re.M))
    entries = allowed(allowed_path)
    for key, prop, n in entries:
        if prop not in documented:
            sys.exit(f"{allowed_path}:{n}: property {prop!r} is not documented in {doc_path}")
    used = set()
    undocumented = []
    documented_diffs = 0
    for test_id, outcome in sorted(host.items()):
        if outcome != "pass" or job.get(test_id) == "pass":
            continue
        match = next((e for e in entries if test_id == e[0] or (e[0].endswith(".") and test_id.startswith(e[0]))), None)
        if match is None:
            undocumented.append((test_id, job.get(test_id, "missing")))
        else:
            used.add(match[0])
            documented_diffs += 1
    passed_host = sum(1 for o in host.values() if o == "pass")
    passed_both = sum(1 for t, o in host.items() if o == "pass" and job.get(t) == "pass")
    print(f"compat: {len(host)} tests; {passed_host} pass on the host, {passed_both} of them in the job too;"
          f" {documented_diffs} documented differences, {len(undocumented)} undocumented")
    for key, prop, n in entries:
        if key not in used:
            print(f"compat: note: {allowed_path}:{n} ({key}) no longer differs")
    for test_id, outcome in undocumented:
        print(f"compat: UNDOCUMENTED: {test_id} passes on the host, {outcome} in the job")
    return 1 if undocumented else 0


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
