#!/usr/bin/env python3
"""Writes N synthetic agent fixtures (architect, planner, coder, reviewer in
turn, each task with a small repo/) under a fixture root, for benchmarks.

usage: synth.py ROOT N
"""
import json
import os
import sys

root, n = sys.argv[1], int(sys.argv[2])
AGENTS = ["architect", "planner", "coder", "reviewer"]
SOURCE = "".join(f"export const v{i} = {i};\n" for i in range(20))


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def canonical(obj):
    return json.dumps(obj, indent=2) + "\n"


for i in range(n):
    topic, task, agent = f"topic-{i // 400:03}", f"task-{(i // 4) % 100:03}", AGENTS[i % 4]
    task_dir = os.path.join(root, topic, task)
    fixture = os.path.join(task_dir, agent)
    write(os.path.join(fixture, "prompt.md"), f"Change value {i} in src/values.ts.\n")
    if not os.path.exists(os.path.join(task_dir, "repo/src/values.ts")):
        write(os.path.join(task_dir, "repo/src/values.ts"), SOURCE)
    if agent == "architect":
        golden = canonical({
            "highLevelSummary": f"Values module {i}.",
            "pagesOrScreens": [],
            "apis": [{"name": "getValue", "description": "Reads a value.", "method": "GET", "path": "/values/:id"}],
            "dataModels": [{"name": "Value", "fields": ["id", "value"], "primaryKey": "id"}],
            "recommendedFileStructure": ["src/values.ts"],
        })
    elif agent == "planner":
        golden = canonical({
            "tasks": [
                {"id": "t1", "description": "Change v3.", "file": "src/values.ts", "type": "fix", "complexity": "low", "dependsOn": []},
                {"id": "t2", "description": "Change v4.", "file": "src/values.ts", "type": "fix", "complexity": "low", "dependsOn": ["t1"]},
            ],
            "ambiguities": [],
            "invalidTaskCount": 0,
        })
    elif agent == "reviewer":
        golden = canonical({
            "decision": "revise",
            "comments": [{"message": "v3 must stay exported.", "blocking": True, "path": "src/values.ts", "line": 4}],
        })
    else:
        golden = (
            "diff --git a/src/values.ts b/src/values.ts\n"
            "--- a/src/values.ts\n"
            "+++ b/src/values.ts\n"
            "@@ -3,3 +3,3 @@\n"
            " export const v2 = 2;\n"
            "-export const v3 = 3;\n"
            f"+export const v3 = {i};\n"
            " export const v4 = 4;\n"
        )
    name = "expected.patch" if agent == "coder" else "expected.json"
    write(os.path.join(fixture, name), golden)
