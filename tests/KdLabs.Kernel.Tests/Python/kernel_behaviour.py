"""What a learner relies on beyond the conformance suite: live output, interrupt, restart, input, stop-on-error, and a
message with a wrong HMAC signature refused. Run by BehaviourTests.cs (one test per method):
    python3 -m unittest -v kernel_behaviour.KernelBehaviour.test_interrupt_stops_an_endless_cell
Each test prints its measurement lines as `measure: name = value` for the report and docs/notebooks.md.
"""
import os
import queue
import tempfile
import time
import unittest

from jupyter_client.manager import start_new_kernel
from jupyter_client.session import Session

KERNEL = os.environ.get("KDLABS_KERNEL_NAME", "kdlabs-csharp")
TIMEOUT = 120


class KernelBehaviour(unittest.TestCase):
    def setUp(self):
        self.log = tempfile.NamedTemporaryFile("w+", prefix="kdlabs-kernel-", suffix=".log", delete=False)
        start = time.monotonic()
        self.km, self.kc = start_new_kernel(kernel_name=KERNEL, startup_timeout=TIMEOUT, stderr=self.log)
        # start_new_kernel returns once the kernel answered kernel_info on shell.
        self.ready_seconds = time.monotonic() - start

    def tearDown(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=False)
        self.log.close()
        os.unlink(self.log.name)

    def kernel_log(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def run_cell(self, code, allow_stdin=False, stdin_hook=None, timeout=TIMEOUT):
        """Executes code; returns (reply content, [(seconds since sent, msg_type, content)] of iopub messages)."""
        outputs = []
        sent = time.monotonic()

        def hook(msg):
            outputs.append((time.monotonic() - sent, msg["msg_type"], msg["content"]))

        reply = self.kc.execute_interactive(code, output_hook=hook, allow_stdin=allow_stdin,
                                            stdin_hook=stdin_hook, timeout=timeout)
        return reply["content"], outputs

    def text(self, outputs, kind):
        found = []
        for _, msg_type, content in outputs:
            if msg_type == "stream" and content["name"] == kind:
                found.append(content["text"])
        return "".join(found)

    def result(self, outputs):
        for _, msg_type, content in outputs:
            if msg_type == "execute_result":
                return content["data"]["text/plain"]
        return None

    def test_kernel_info_and_first_cell(self):
        print(f"measure: kernel start to kernel_info reply = {self.ready_seconds:.2f} s")
        start = time.monotonic()
        reply, outputs = self.run_cell("1 + 1")
        print(f"measure: first cell (1 + 1) after ready = {time.monotonic() - start:.2f} s")
        self.assertEqual(reply["status"], "ok")
        self.assertEqual(self.result(outputs), "2")
        reply, outputs = self.run_cell('#r "nuget: KdLabs"\nTorchSharp.torch.ones(2, 3).sum().item<float>()')
        self.assertEqual(reply["status"], "ok", reply)
        self.assertEqual(self.result(outputs), "6")

    def test_output_streams_while_the_cell_runs(self):
        reply, outputs = self.run_cell(
            'for (int i = 0; i < 3; i++) { Console.WriteLine($"step {i}"); System.Threading.Thread.Sleep(1500); }')
        self.assertEqual(reply["status"], "ok")
        streams = [(t, c["text"]) for t, m, c in outputs if m == "stream"]
        self.assertIn("step 0", "".join(s for _, s in streams))
        first = next(t for t, s in streams if "step 0" in s)
        last = next(t for t, s in streams if "step 2" in s)
        # Live: the first line arrived while the cell still had 3 s to run, not with the reply.
        self.assertGreater(last - first, 2.0, streams)

    def test_interrupt_stops_an_endless_cell(self):
        reply, _ = self.run_cell("var before = 41;")
        self.assertEqual(reply["status"], "ok")
        msg_id = self.kc.execute("while (true) { }")
        time.sleep(2)
        start = time.monotonic()
        self.km.interrupt_kernel()
        reply = self.kc.get_shell_msg(timeout=30)
        while reply["parent_header"].get("msg_id") != msg_id:  # a leftover kernel_info reply of wait_for_ready
            reply = self.kc.get_shell_msg(timeout=30)
        latency = time.monotonic() - start
        print(f"measure: interrupt latency (while (true) cell, interrupt_request to execute_reply) = {latency:.2f} s")
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "KernelInterrupted")
        self.assertLess(latency, 10)
        stderr = []
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=2)
            except queue.Empty:
                break
            if msg["msg_type"] == "stream" and msg["content"]["name"] == "stderr":
                stderr.append(msg["content"]["text"])
        self.assertIn("state was reset", "".join(stderr))
        # The kernel is usable again; the endless cell's session is gone, so `before` is too.
        start = time.monotonic()
        reply, outputs = self.run_cell("1 + 1")
        print(f"measure: next cell after an interrupt that reset the session = {time.monotonic() - start:.2f} s")
        self.assertEqual(reply["status"], "ok")
        self.assertEqual(self.result(outputs), "2")
        reply, _ = self.run_cell("before")
        self.assertEqual(reply["status"], "error")
        self.assertIn("CS0103", reply["evalue"])

    def test_restart_gives_a_fresh_session(self):
        reply, _ = self.run_cell("var kept = 7;")
        self.assertEqual(reply["status"], "ok")
        start = time.monotonic()
        self.km.restart_kernel(now=False)
        self.kc.wait_for_ready(timeout=TIMEOUT)
        print(f"measure: restart to kernel_info reply = {time.monotonic() - start:.2f} s")
        self.assertIn("restart requested", self.kernel_log())
        reply, _ = self.run_cell("kept")
        self.assertEqual(reply["status"], "error")
        self.assertIn("CS0103", reply["evalue"])
        reply, outputs = self.run_cell("2 + 3")
        self.assertEqual(reply["status"], "ok")
        self.assertEqual(self.result(outputs), "5")

    def test_a_message_with_a_wrong_signature_is_refused(self):
        marker = os.path.join(tempfile.gettempdir(), f"kdlabs-forged-{os.getpid()}.txt")
        forged = Session(key=b"not-the-connection-key", session=self.kc.session.session)
        sent = forged.send(self.kc.shell_channel.socket, "execute_request",
                           {"code": f'System.IO.File.WriteAllText(@"{marker}", "ran");', "silent": False, "store_history": True,
                            "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        answered = []
        while True:
            # Other replies may be waiting (wait_for_ready's extra kernel_info replies); none may answer the forgery.
            try:
                answered.append(self.kc.get_shell_msg(timeout=3)["parent_header"].get("msg_id"))
            except queue.Empty:
                break
        self.assertNotIn(sent["header"]["msg_id"], answered)
        self.assertFalse(os.path.exists(marker), "the forged cell ran")
        self.assertIn("wrong HMAC signature", self.kernel_log())
        # The properly signed client still works.
        reply, outputs = self.run_cell("40 + 2")
        self.assertEqual(reply["status"], "ok")
        self.assertEqual(self.result(outputs), "42")

    def test_stop_on_error_aborts_the_queued_cells(self):
        first = self.kc.execute('throw new Exception("first");')
        second = self.kc.execute("var never = 1;")
        replies = {}
        while first not in replies or second not in replies:
            # Other replies may be waiting (wait_for_ready's extra kernel_info replies): only these two count.
            reply = self.kc.get_shell_msg(timeout=TIMEOUT)
            replies[reply["parent_header"]["msg_id"]] = reply["content"]
        self.assertEqual(replies[first]["status"], "error")
        self.assertEqual(replies[second]["status"], "aborted")
        reply, _ = self.run_cell("never")
        self.assertEqual(reply["status"], "error")

    def test_console_readline_asks_the_frontend_or_fails_with_a_message(self):
        def answer(msg):
            self.assertEqual(msg["msg_type"], "input_request")
            self.kc.input("Ada")

        reply, outputs = self.run_cell('var name = Console.ReadLine();\nname + "!"', allow_stdin=True, stdin_hook=answer)
        self.assertEqual(reply["status"], "ok", reply)
        self.assertEqual(self.result(outputs), "Ada!")
        reply, _ = self.run_cell("Console.ReadLine()", allow_stdin=False)
        self.assertEqual(reply["status"], "error")
        self.assertIn("no console to read from", reply["evalue"])

    def test_an_error_names_the_line_of_the_cell(self):
        reply, _ = self.run_cell('var a = 1;\nvar b = 2;\nthrow new Exception("on line three");')
        self.assertEqual(reply["status"], "error")
        self.assertEqual(reply["traceback"][0], "Cell In [1], line 3")


if __name__ == "__main__":
    unittest.main()
