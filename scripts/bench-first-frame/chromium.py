"""Serves page.html on 127.0.0.1, runs headless Chromium on it with its fake camera, and
prints the times the page POSTs back ({"times": [ms, ...]}). Usage: chromium.py RUNS."""
import http.server
import json
import pathlib
import subprocess
import sys
import tempfile
import threading

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 10
PAGE = (pathlib.Path(__file__).parent / "page.html").read_bytes()
result = {}
done = threading.Event()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(PAGE)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        result.update(json.loads(body))
        self.send_response(204)
        self.end_headers()
        done.set()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
url = f"http://127.0.0.1:{server.server_address[1]}/?runs={RUNS}"
with tempfile.TemporaryDirectory() as profile:
    chrome = subprocess.Popen(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
         "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
         "--autoplay-policy=no-user-gesture-required", f"--user-data-dir={profile}", url],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ok = done.wait(120)
    chrome.terminate()
    try:
        chrome.wait(20)
    except subprocess.TimeoutExpired:
        chrome.kill()
        chrome.wait()
server.shutdown()
if not ok:
    sys.exit("chromium.py: no result from the page within 120 s")
if "error" in result:
    sys.exit(f"chromium.py: the page failed: {result['error']}")
print(json.dumps(result))
