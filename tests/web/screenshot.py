"""Make the README's pictures of the playground from a running service:

    .venv/bin/syn0 serve --port 8077 &      # prints an API key at its first start
    SYN0_API_KEY=<key> .venv/bin/python -m tests.web.screenshot http://127.0.0.1:8077 docs

It opens the page with its defaults (the spiral and the network they train it with),
with the key kept in the browser as after it was entered once, trains, and once the run
has succeeded and its boundary and neuron maps are drawn saves the page at 1440x900
(``playground.png``) and, with the test data shown, the whole page at 390x844
(``playground-phone.png``).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.web.conftest import CHROMIUM_ARGS, chromium_path

WIDE = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def main(url: str, out: str) -> None:
    folder = Path(out)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=WIDE, bypass_csp=True)
        key = json.dumps(os.environ.get("SYN0_API_KEY", ""))
        page.add_init_script(f"localStorage.setItem('syn0.apiKey', {key})")
        page.goto(f"{url.rstrip('/')}/")
        page.wait_for_function("Number(document.querySelector('#boundary').dataset.points) > 0")
        page.click("#train")
        page.wait_for_selector("#status[data-status='succeeded']", timeout=60_000)
        page.wait_for_selector("#boundary[data-source='model']")
        page.wait_for_selector("#confusion[data-accuracy]")
        page.wait_for_selector("#runs tr[aria-current='true'] td[data-status='succeeded']")
        page.focus("#lr")  # the Learn panel shows the learning rate's entry
        page.screenshot(path=folder / "playground.png")
        page.set_viewport_size(PHONE)
        page.check("#show-test")
        page.wait_for_timeout(300)
        page.screenshot(path=folder / "playground-phone.png", full_page=True)
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:3])
