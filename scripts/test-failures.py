#!/usr/bin/env python3
"""Prints every failed test in the TRX files under a folder, with its message and the top of its stack trace.

test.sh calls it after a failed `dotnet test`: the projects run in parallel and a failure's details land in the
middle of thousands of lines, so the end of the log repeats them where a CI page shows them.
"""
import pathlib
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}


def main(folder: str) -> int:
    files = sorted(pathlib.Path(folder).rglob("*.trx"))
    failed = 0
    for trx in files:
        root = ET.parse(trx).getroot()
        for result in root.iterfind(".//t:UnitTestResult", NS):
            if result.get("outcome") != "Failed":
                continue
            failed += 1
            message = result.findtext("t:Output/t:ErrorInfo/t:Message", "", NS).strip()
            stack = result.findtext("t:Output/t:ErrorInfo/t:StackTrace", "", NS).strip().splitlines()
            print(f"FAILED {result.get('testName')}  ({trx.name})")
            for line in message.splitlines()[:40]:
                print(f"    {line}")
            for line in stack[:15]:
                print(f"    {line.strip()}")
            print()
    print(f"{failed} failed test(s) in {len(files)} result file(s) under {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
