"""Driver for ``bin/mutate``: mutation testing with mutmut in a copy of the repository.

Why a copy:

* mutmut reads its settings from ``pyproject.toml`` in the current directory; the copy gets the
  repository's ``[tool.mutmut]`` with ``only_mutate`` set to the modules named on the command line.
* mutmut 3 does not mutate decorated functions, and most services are ``@transaction.atomic``.
  In the copy, the decorators of the top-level functions of the mutated modules are moved below
  the function (``@a @b def f`` becomes ``def f`` then ``f = a(b(f))``), which means the same
  thing, so those services are mutated too. The repository itself is never changed.
* The copy keeps mutmut's results (``mutants/``) between runs: unchanged functions are not
  tested again.

Tests run on SQLite with the local-memory cache (``DATABASE_URL`` and ``REDIS_URL`` are dropped);
for each mutant mutmut runs only the tests that called the mutated function. ``MUTATE_TESTS``
(directories, space-separated) replaces the test directories of ``[tool.mutmut]`` in the copy.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import libcst as cst

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(
    os.environ.get("MUTATE_DIR")
    or Path(tempfile.gettempdir()) / f"umbrella-mutate-{os.environ.get('USER', 'me')}"
)
JOBS = os.environ.get("MUTATE_JOBS", "1")
MUTMUT_COMMANDS = {"results", "show", "run", "browse", "apply", "export-cicd-stats"}
KEEP_IN_WORK = {"mutants", ".venv", "pyproject.toml"}


def repo_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],  # noqa: S607 - git from PATH
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    return [
        name
        for name in out.split("\0")
        if name and name.split("/")[0] not in KEEP_IN_WORK and (ROOT / name).is_file()
    ]


class MoveDecorators(cst.CSTTransformer):
    """``@a @b def f(...)`` at module level -> ``def f(...)`` and ``f = a(b(f))``."""

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        body: list[cst.BaseStatement] = []
        for statement in updated.body:
            if isinstance(statement, cst.FunctionDef) and statement.decorators:
                wrapped: cst.BaseExpression = statement.name
                for decorator in reversed(statement.decorators):
                    wrapped = cst.Call(func=decorator.decorator, args=[cst.Arg(wrapped)])
                body.append(statement.with_changes(decorators=[]))
                body.append(
                    cst.SimpleStatementLine(
                        [cst.Assign([cst.AssignTarget(statement.name)], wrapped)]
                    )
                )
            else:
                body.append(statement)
        return updated.with_changes(body=body)


def write_if_changed(path: Path, data: bytes) -> None:
    if path.exists() and path.read_bytes() == data:
        return  # keep the mtime: mutmut re-creates the mutants of a file whose mtime moved
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def is_target(name: str, patterns: list[str]) -> bool:
    from fnmatch import fnmatch

    return name.endswith(".py") and any(fnmatch(name, p) for p in patterns)


def sync(patterns: list[str]) -> None:
    files = repo_files()
    if os.environ.get("MUTATE_FRESH"):
        shutil.rmtree(WORK, ignore_errors=True)  # after a large merge: start over
    WORK.mkdir(parents=True, exist_ok=True)
    for name in files:
        data = (ROOT / name).read_bytes()
        if is_target(name, patterns):
            data = cst.parse_module(data.decode()).visit(MoveDecorators()).code.encode()
        write_if_changed(WORK / name, data)
        if not name.endswith(".py") and (WORK / "mutants" / name).exists():
            # mutmut copies templates and other data files once; keep its copy current
            write_if_changed(WORK / "mutants" / name, data)
    wanted = set(files)
    for path in WORK.rglob("*"):
        relative = path.relative_to(WORK).as_posix()
        if relative.split("/")[0] in KEEP_IN_WORK or "__pycache__" in relative:
            continue
        if path.is_file() and relative not in wanted:
            path.unlink()  # gone from the repository (e.g. a module split into a package)
            for stale in (WORK / "mutants" / relative, WORK / "mutants" / f"{relative}.meta"):
                stale.unlink(missing_ok=True)


def settings_text(patterns: list[str]) -> str:
    text = (ROOT / "pyproject.toml").read_text()
    line = "only_mutate = " + json.dumps(patterns)
    text, count = re.subn(r"(?m)^only_mutate = .*$", line, text)
    if count != 1:
        sys.exit("pyproject.toml needs one `only_mutate = [...]` line in [tool.mutmut]")
    if os.environ.get("MUTATE_TESTS"):
        # Only these test directories (e.g. one domain's, when another domain's tests do not
        # pass on SQLite): mutmut's baseline run needs every selected test to pass.
        tests = "pytest_add_cli_args_test_selection = " + json.dumps(
            os.environ["MUTATE_TESTS"].split()
        )
        text, count = re.subn(r"(?m)^pytest_add_cli_args_test_selection = .*$", tests, text)
        if count != 1:
            sys.exit("pyproject.toml needs one `pytest_add_cli_args_test_selection` line")
    return text


def default_patterns() -> list[str]:
    match = re.search(r"(?m)^only_mutate = (.*)$", (ROOT / "pyproject.toml").read_text())
    return json.loads(match.group(1)) if match else []


def as_patterns(args: list[str]) -> list[str]:
    patterns = []
    for arg in args:
        arg = arg.rstrip("/")
        if (ROOT / arg).is_dir():
            patterns.append(f"{arg}/*")
        elif (ROOT / arg).is_file() or "*" in arg:
            patterns.append(arg)
        else:
            sys.exit(f"no such module: {arg}")
    return patterns


def mutmut(*args: str) -> int:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    # mutmut starts pytest once per mutant, and each start builds the SQLite test database:
    # running the migrations took ~13 s of every mutant (their SQLite schema is the models';
    # the raw SQL in them is PostgreSQL-only), creating the tables directly ~1 s. Through the
    # environment, not [tool.mutmut]: a changed pytest command makes mutmut forget its results.
    env["PYTEST_ADDOPTS"] = f"{env.get('PYTEST_ADDOPTS', '')} --nomigrations".strip()
    if os.environ.get("MUTATE_REDIS_URL"):
        # Code with a Redis-only path (buffered profile views) is mutated against a real Redis;
        # use a database number nobody else uses, and MUTATE_JOBS=1 (the workers share it).
        env["REDIS_URL"] = os.environ["MUTATE_REDIS_URL"]
    command = [sys.executable, "-m", "mutmut", *args]
    return subprocess.run(command, cwd=WORK, env=env, check=False).returncode  # noqa: S603


def summary() -> None:
    mutmut("export-cicd-stats")
    stats_file = WORK / "mutants" / "mutmut-cicd-stats.json"
    if stats_file.exists():
        stats = json.loads(stats_file.read_text())
        print("summary:", ", ".join(f"{k} {v}" for k, v in stats.items() if v))
    print(f"survivors: bin/mutate results; one mutant: bin/mutate show NAME  (workspace {WORK})")


def main(argv: list[str]) -> int:
    if argv and argv[0] in MUTMUT_COMMANDS:
        patterns = default_patterns()
        if WORK.joinpath("pyproject.toml").exists():
            match = re.search(r"(?m)^only_mutate = (.*)$", (WORK / "pyproject.toml").read_text())
            patterns = json.loads(match.group(1)) if match else patterns
        if argv[0] == "run":  # re-run named mutants after a test or code change
            sync(patterns)
            if os.environ.get("MUTATE_TESTS"):  # else keep the workspace's: a changed test
                # selection makes mutmut forget every result
                write_if_changed(WORK / "pyproject.toml", settings_text(patterns).encode())
            status = mutmut("run", "--max-children", JOBS, *argv[1:])
            summary()
            return status
        return mutmut(*argv)
    patterns = as_patterns(argv) if argv else default_patterns()
    if not patterns:
        sys.exit("usage: bin/mutate MODULE [MODULE ...]  (see docs/testing.md)")
    sync(patterns)
    write_if_changed(WORK / "pyproject.toml", settings_text(patterns).encode())
    print(f"mutating {' '.join(patterns)} in {WORK} with {JOBS} worker(s)", flush=True)
    status = mutmut("run", "--max-children", JOBS)
    summary()
    return status


if __name__ == "__main__":
    if shutil.which("git") is None:
        sys.exit("bin/mutate needs git")
    sys.exit(main(sys.argv[1:]))
