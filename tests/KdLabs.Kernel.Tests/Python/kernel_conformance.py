"""The Jupyter project's kernel conformance suite (jupyter_kernel_test) on the kit's kernel.

Run by ConformanceTests.cs with JUPYTER_PATH pointing at a kernelspec of the freshly built kernel:
    python3 -m unittest -v kernel_conformance
"""
import os
import unittest

import jupyter_kernel_test


class KdLabsKernelConformance(jupyter_kernel_test.KernelTests):
    kernel_name = os.environ.get("KDLABS_KERNEL_NAME", "kdlabs-csharp")
    language_name = "C#"
    file_extension = ".cs"

    code_hello_world = 'Console.WriteLine("hello, world");'
    code_stderr = 'Console.Error.WriteLine("to stderr");'
    code_generate_error = 'throw new InvalidOperationException("a cell that fails");'

    completion_samples = [
        {"text": "Console.WriteL", "matches": {"WriteLine"}},
        {"text": "var numbers = new List<int>(); numbers.AddR", "matches": {"AddRange"}},
    ]
    complete_code_samples = ["1 + 1", "var x = 1;", "void F() { }", '#r "nuget: KdLabs"']
    incomplete_code_samples = ["for (int i = 0; i < 3; i++) {", "void F() {", "var s = new[] {"]
    invalid_code_samples = ["}", "var = ;)"]

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"text"', "result": "text"},
    ]
    code_display_data = [
        {"code": 'display(HTML("<b>bold</b>"));', "mime": "text/html"},
        {"code": "display(3);", "mime": "text/plain"},
    ]


if __name__ == "__main__":
    unittest.main()
