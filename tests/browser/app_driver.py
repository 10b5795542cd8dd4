"""app_driver.py -- the staff application driven like a person would, in
headless Chromium (cdp.py): type into labelled fields, press buttons, wait
for text, upload a file, print a page to PDF, keep screenshots.

    with AppBrowser(base, shots="/tmp/app-shots") as app:
        app.open("/")
        app.login("tanaka", "pw")
        app.shot("roster")
"""
import base64
import json
import os
import re
import time

from cdp import Browser, CDPError


class AppBrowser:
    def __init__(self, base, shots=None, width=1280, height=900):
        self.base = base
        self.shots = shots
        if shots:
            os.makedirs(shots, exist_ok=True)
        self.browser = Browser()
        self.page = self.browser.new_page(width, height)
        # Dates and times as a Japanese office's browser shows them.
        self.page.send("Emulation.setLocaleOverride", {"locale": "ja-JP"})
        self.page.send("Emulation.setTimezoneOverride", {"timezoneId": "Asia/Tokyo"})

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.browser.close()

    # -- looking -------------------------------------------------------------

    def js(self, expr):
        return self.page.eval(expr)

    def wait(self, expr, timeout=20):
        return self.page.wait_for(expr, timeout=timeout)

    def wait_text(self, text, selector="body", timeout=20):
        sel = json.dumps(selector)
        t = json.dumps(text)
        return self.wait(f"(() => {{ const e = document.querySelector({sel}); "
                         f"return !!e && e.innerText.includes({t}); }})()", timeout)

    def text(self, selector="body"):
        return self.js(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); "
                       f"return e ? e.innerText : null; }})()")

    def exists(self, selector):
        return self.js(f"!!document.querySelector({json.dumps(selector)})")

    def shot(self, name):
        if not self.shots:
            return None
        return self.page.screenshot(os.path.join(self.shots, name + ".png"))

    def problems(self):
        """Console errors but the browser's notes of 4xx answers the screens
        expect and show (401 before login, 400 of a refused value, 404 of an
        optional route the server does not have)."""
        return [p for p in self.page.problems()
                if not re.search(r"status of 40[014]", p)]

    # -- doing ---------------------------------------------------------------

    def open(self, path):
        self.page.goto(self.base + path)

    def go(self, hash_):
        self.js(f"location.hash = {json.dumps(hash_)}")

    def fill(self, selector, value):
        """Types value into the element (input, select, textarea) and fires input/change."""
        ok = self.js(f"""(() => {{
            const e = document.querySelector({json.dumps(selector)});
            if (!e) return false;
            e.focus();
            if (e.type === 'checkbox') e.checked = !!{json.dumps(value)};
            else e.value = {json.dumps(value)};
            e.dispatchEvent(new Event('input', {{bubbles: true}}));
            e.dispatchEvent(new Event('change', {{bubbles: true}}));
            return true; }})()""")
        if not ok:
            raise CDPError(f"no element {selector}")

    def fill_label(self, label, value, within="main"):
        """Fills the field whose <label> reads label."""
        sel = self.js(f"""(() => {{
            for (const l of document.querySelectorAll({json.dumps(within + ' label')})) {{
                if (l.textContent.replace('必須', '').trim() === {json.dumps(label)} && l.htmlFor)
                    return '#' + CSS.escape(l.htmlFor);
            }}
            return null; }})()""")
        if not sel:
            raise CDPError(f"no field labelled {label}")
        self.fill(sel, value)
        return sel

    def click(self, selector):
        """A real mouse click in the middle of the element (scrolled into view)."""
        box = self.js(f"""(() => {{
            const e = document.querySelector({json.dumps(selector)});
            if (!e) return null;
            e.scrollIntoView({{block: 'center'}});
            const r = e.getBoundingClientRect();
            return [r.left + r.width / 2, r.top + r.height / 2]; }})()""")
        if not box:
            raise CDPError(f"no element {selector}")
        self.page.click(box[0], box[1])

    def click_text(self, text, tag="button"):
        idx = self.js(f"""(() => {{
            const all = [...document.querySelectorAll({json.dumps(tag)})];
            const i = all.findIndex((e) => e.textContent.trim() === {json.dumps(text)} && !e.disabled);
            if (i >= 0) all[i].setAttribute('data-click-me', '1');
            return i; }})()""")
        if idx < 0:
            raise CDPError(f"no {tag} reading {text}")
        self.click("[data-click-me]")
        self.js("document.querySelector('[data-click-me]').removeAttribute('data-click-me')")

    def key(self, key, code=None, vk=0, shift=False):
        """Presses one key (e.g. "Tab" 9, "Enter" 13) as the keyboard would."""
        mods = 8 if shift else 0
        for kind in ("rawKeyDown", "keyUp"):
            self.page.send("Input.dispatchKeyEvent", {"type": kind, "key": key, "code": code or key,
                                                      "windowsVirtualKeyCode": vk, "modifiers": mods})
        if key == "Enter":
            self.page.send("Input.dispatchKeyEvent", {"type": "char", "text": "\r"})

    def focused(self):
        """What has the keyboard focus: tag, id, text, and whether an outline shows."""
        return self.js("""(() => { const e = document.activeElement;
            const st = getComputedStyle(e);
            return { tag: e.tagName, id: e.id, text: (e.innerText || e.value || '').trim().slice(0, 40),
                     outline: st.outlineStyle !== 'none' && parseFloat(st.outlineWidth) >= 2,
                     height: e.getBoundingClientRect().height }; })()""")

    def click_map(self, selector, fx, fy):
        """Clicks at fractions (fx, fy) of the element's box."""
        box = self.js(f"""(() => {{ const e = document.querySelector({json.dumps(selector)});
            if (!e.dataset.scrolled) {{ e.scrollIntoView({{block: 'center'}}); e.dataset.scrolled = '1'; }}
            const r = e.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; }})()""")
        self.page.click(box[0] + box[2] * fx, box[1] + box[3] * fy)
        time.sleep(0.15)

    def upload(self, selector, path):
        doc = self.page.send("DOM.getDocument", {"depth": 0})
        node = self.page.send("DOM.querySelector", {"nodeId": doc["root"]["nodeId"], "selector": selector})
        self.page.send("DOM.setFileInputFiles", {"files": [path], "nodeId": node["nodeId"]})
        self.js(f"document.querySelector({json.dumps(selector)}).dispatchEvent(new Event('change', {{bubbles: true}}))")

    def pdf(self, path=None):
        """The current page printed (print CSS) as PDF bytes."""
        data = base64.b64decode(self.page.send("Page.printToPDF", {"printBackground": True},
                                               timeout=60)["data"])
        if path:
            with open(path, "wb") as f:
                f.write(data)
        return data

    def cookies(self):
        return self.page.send("Network.getCookies", {"urls": [self.base + "/"]})["cookies"]

    def login(self, login, password):
        self.wait("!!document.querySelector('input[name=login]')")
        self.fill("input[name=login]", login)
        self.fill("input[name=password]", password)
        self.click("form.login button[type=submit]")
        time.sleep(0.3)
