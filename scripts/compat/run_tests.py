"""Runs a fixed selection of Python's own test package and prints one line per test: RESULT <outcome> <test id>.

Used by scripts/compat/compat-check.sh, once on the host (as an unprivileged user) and once in a default job; the
outcomes are compared there (compare.py). The lines go to the file named by --out (tests print to stdout too). Optional test resources (network, largefile, cpu...) are all off on both sides, as
regrtest leaves them unless asked, so that the two runs ask for the same things.

    python3 run_tests.py --out results.txt test_os test_signal.PosixTests ...
"""
import os
import sys
import time
import unittest

from test import support

support.use_resources = []  # regrtest's default: no optional resource (network, largefile, cpu, ...)
support.verbose = 0


class Recorder(unittest.TextTestResult):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcomes = {}

    def _put(self, test, outcome):
        # The first outcome wins: a failing subtest makes its test fail even if the test itself ends "ok".
        self.outcomes.setdefault(test.id(), outcome)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._put(test, "pass")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._put(test, "fail")

    def addError(self, test, err):
        super().addError(test, err)
        # setUpClass/setUpModule errors come as a _ErrorHolder named after the class or module.
        self._put(test, "error")

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._put(test, "skip")

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._put(test, "xfail")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._put(test, "pass")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._put(test, "fail")


def main(out, names):
    workdir = os.getcwd()
    for name in names:
        os.chdir(workdir)
        t0 = time.monotonic()
        try:
            suite = unittest.defaultTestLoader.loadTestsFromName("test." + name)
        except unittest.SkipTest:  # a module that skips itself (ResourceDenied is one)
            out.write(f"RESULT skip test.{name}\n")
            continue
        except Exception as e:  # an import that fails is one result for the module
            out.write(f"RESULT error test.{name}\n")
            print(f"{name}: import failed: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
            continue
        with open(os.devnull, "w") as quiet:
            runner = unittest.TextTestRunner(stream=quiet, resultclass=Recorder, verbosity=0)
            result = runner.run(suite)
        for test_id, outcome in sorted(result.outcomes.items()):
            out.write(f"RESULT {outcome} {test_id}\n")
        out.flush()
        print(f"MODULE {name} {time.monotonic() - t0:.1f}s", file=sys.stderr, flush=True)


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] != "--out":
        sys.exit("usage: run_tests.py --out FILE TEST...")
    with open(sys.argv[2], "w") as results:
        main(results, sys.argv[3:])
