"""Make the README's picture of the playground from a running service:

    .venv/bin/syn0 serve --port 8077 &      # prints an API key at its first start
    SYN0_API_KEY=<key> .venv/bin/python -m tests.web.screenshot http://127.0.0.1:8077 \
        docs/playground.png

It opens the page at 1366x768 with a spiral and a small network, with the key kept in
the browser as after it was entered once, trains, and saves the page once the run has
succeeded and its boundary and neuron maps are drawn.
"""

from __future__ import annotations

import json
import os
import sys

from playwright.sync_api import sync_playwright

from tests.web.conftest import CHROMIUM_ARGS, VIEWPORT, chromium_path

STATE = (
    "data=spiral&noise=10&samples=500&seed=0&train=70&features=x1,x2,sin_x1,sin_x2"
    "&layers=8:tanh:0,6:tanh:0&optimizer=adam&lr=0.01&batch=10&epochs=300&reg=l2&rate=0.001&test=1"
)


def main(url: str, out: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT, bypass_csp=True)
        key = json.dumps(os.environ.get("SYN0_API_KEY", ""))
        page.add_init_script(f"localStorage.setItem('syn0.apiKey', {key})")
        page.goto(f"{url.rstrip('/')}/#{STATE}")
        page.wait_for_function("Number(document.querySelector('#boundary').dataset.points) > 0")
        page.click("#train")
        page.wait_for_selector("#status[data-status='succeeded']", timeout=60_000)
        page.wait_for_selector("#boundary[data-source='model']")
        page.screenshot(path=out)
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:3])
