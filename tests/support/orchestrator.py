#!/usr/bin/env python3
"""The reference orchestrator, in Python: investigate -> implement -> test ->
(on failure) assess -> implement again, until the tests pass or the retry
budget runs out. Each agent step runs `claude -p --output-format stream-json
--verbose` through subprocess with SCENARIO_STEP_NAME set, retrying on an API
overload or rate limit; the test step runs `sh check.sh` itself.

The orchestrator applies the agent's work: the implement step's answer is
appended to work.log, so a replayed run does what the recorded one did.
Its prompts carry `@answer` directives for the stand-in agent CLI.

The last line on stdout is `outcome: ...`; retries and errors go to stderr.
"""

import argparse
import json
import os
import subprocess
import sys


class StepFailed(Exception):
    def __init__(self, step, reason):
        super().__init__(f"{step}: {reason}")
        self.step = step
        self.reason = reason


def final_result(stdout):
    """The last `result` line of a stream; lines that are not JSON are passed over."""
    result = None
    for line in stdout.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict) and value.get("type") == "result":
            result = value
    return result


def api_status(result):
    status = result.get("api_error_status")
    if isinstance(status, int):
        return status
    text = str(result.get("result", ""))
    if text.startswith("API Error: ") and text[11:14].isdigit():
        return int(text[11:14])
    return None


class Pipeline:
    def __init__(self, args):
        self.workdir = args.workdir
        self.task = args.task
        self.retry_budget = args.retry_budget
        self.overload_retries = args.overload_retries
        self.timeout = args.timeout
        self.agent = args.agent

    def agent_call(self, step, prompt):
        env = dict(os.environ, SCENARIO_STEP_NAME=step)
        command = [self.agent, "-p", "--output-format", "stream-json", "--verbose"]
        for attempt in range(1, self.overload_retries + 2):
            try:
                done = subprocess.run(
                    command,
                    input=prompt,
                    capture_output=True,
                    text=True,
                    cwd=self.workdir,
                    env=env,
                    timeout=self.timeout,
                )
            except subprocess.TimeoutExpired as err:
                result = final_result(err.stdout.decode() if isinstance(err.stdout, bytes) else (err.stdout or ""))
                if result is not None and not result.get("is_error"):
                    return str(result.get("result", ""))
                raise StepFailed(step, f"timed out after {self.timeout}s without a result")
            result = final_result(done.stdout)
            if result is None:
                raise StepFailed(step, f"the output ended without a result line (exit code {done.returncode})")
            if result.get("is_error"):
                status = api_status(result)
                if status in (429, 529) and attempt <= self.overload_retries:
                    print(f"retry: step {step} attempt {attempt} failed with API {status}", file=sys.stderr)
                    continue
                if status in (429, 529):
                    raise StepFailed(step, f"the API kept failing ({status}) for {attempt} attempts")
                raise StepFailed(step, f"the agent reported an error: {result.get('result')}")
            if done.returncode != 0:
                raise StepFailed(step, f"the agent exited with code {done.returncode}")
            return str(result.get("result", ""))
        raise AssertionError("the loop returns")

    def test(self):
        return subprocess.run(
            ["sh", "check.sh"], capture_output=True, text=True, cwd=self.workdir, timeout=self.timeout
        )

    def rounds(self):
        findings = self.agent_call(
            "investigate",
            f"Investigate the repository for the task: {self.task}\n"
            "@answer The repository holds check.sh, which checks work.log.",
        )
        retries = 0
        feedback = "none"
        while True:
            attempt = retries + 1
            work = self.agent_call(
                "implement",
                f"Implement the task (attempt {attempt}): {self.task}\nFindings: {findings}\n"
                f"Feedback: {feedback}\n@answer attempt {attempt}",
            )
            with open(os.path.join(self.workdir, "work.log"), "a") as log:
                log.write(work.strip() + "\n")
            test = self.test()
            if test.returncode == 0:
                return f"tests pass after {retries} {'retry' if retries == 1 else 'retries'}"
            if retries == self.retry_budget:
                return f"retry budget exhausted: tests still fail after {retries} retries"
            failure = (test.stdout + test.stderr).strip().splitlines()[:1] or [""]
            feedback = self.agent_call(
                "assess",
                f"Assess the failing test run (exit code {test.returncode}):\n{test.stdout}{test.stderr}\n"
                f"@answer The check failed: {failure[0]}",
            )
            retries += 1

    def run(self, extra_call):
        try:
            status = self.rounds()
        except StepFailed as err:
            status = f"aborted at step {err.step}: {err.reason}"
        if extra_call:
            try:
                self.agent_call("investigate", f"Investigate once more: {self.task}\n@answer again")
            except StepFailed as err:
                print(f"extra call failed: {err}", file=sys.stderr)
        return status


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--task", required=True)
    parser.add_argument("--retry-budget", type=int, default=2)
    parser.add_argument("--overload-retries", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--agent", default="claude")
    parser.add_argument("--extra-call", action="store_true", help="make one call more than the pipeline needs")
    args = parser.parse_args()
    print(f"outcome: {Pipeline(args).run(args.extra_call)}")


if __name__ == "__main__":
    main()
