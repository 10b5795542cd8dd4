#!/usr/bin/env python3
"""run.py -- runs the integration tests: tests/integration/test_*.py.

Every module's test_* functions are called with one shared Env (a real
PostGIS cluster and a real powermapd).  A module may define setup(env), run
before its tests.  Usage: tests/run.py [substring ...] to run matching tests.
Prints one line per failure and closes with "integration: N passed, N failed".
"""
import importlib.util
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402


def load_modules():
    d = os.path.join(HERE, "integration")
    for name in sorted(os.listdir(d)):
        if name.startswith("test_") and name.endswith(".py"):
            spec = importlib.util.spec_from_file_location(name[:-3], os.path.join(d, name))
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            yield mod


def main(argv):
    wanted = argv[1:]
    passed = failed = 0
    t0 = time.time()
    env = harness.Env()
    try:
        for mod in load_modules():
            tests = [(n, f) for n, f in vars(mod).items()
                     if n.startswith("test_") and callable(f)]
            tests = [(n, f) for n, f in tests
                     if not wanted or any(w in f"{mod.__name__}.{n}" for w in wanted)]
            tests.sort(key=lambda t: t[1].__code__.co_firstlineno)
            if not tests:
                continue
            if hasattr(mod, "setup"):
                try:
                    mod.setup(env)
                except Exception:
                    print(f"FAIL {mod.__name__}.setup\n{traceback.format_exc()}", flush=True)
                    failed += len(tests)
                    continue
            for name, fn in tests:
                t1 = time.time()
                try:
                    fn(env)
                    passed += 1
                    print(f"ok   {mod.__name__}.{name} ({time.time() - t1:.2f}s)", flush=True)
                except Exception:
                    failed += 1
                    print(f"FAIL {mod.__name__}.{name}\n{traceback.format_exc()}", flush=True)
    finally:
        if failed:
            print("---- daemon log (tail) ----")
            print("\n".join(env.daemon.logs().splitlines()[-40:]))
        env.stop()
    print(f"integration ran in {time.time() - t0:.1f}s")
    print(f"integration: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
