"""The pass/fail count of the Python SDK suites (tests/differential/clients.py and
tests/sdk-clients/sdk_clients.py): each check compares what an official SDK got with what it
should get and prints the mismatches."""


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, label, got, want):
        if got == want:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {label}: got {got!r}, want {want!r}", flush=True)
