"""The RSVP page in a real browser: Debian's chromium, headless, driven by Selenium through
Debian's chromedriver (scripts/install-system-deps.sh installs both; no downloaded
browsers). A family makes the link with the CLI against a real `arangetram serve`, a guest
answers on a phone-sized window (mouse, then keyboard only), and the CLI's `guests list`
shows the answer. A screenshot at phone width is written to tests/artifacts/ for a person to
look at (not compared pixel by pixel)."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import pytest

from tests.conftest import Run
from tests.server.support import PASSWORD, Served

pytestmark = [pytest.mark.service, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _need_browser() -> None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not shutil.which(p)]
    if missing:
        why = f"{', '.join(missing)} missing: run scripts/install-system-deps.sh"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(why)
        pytest.skip(why)


@pytest.fixture
def browser(tmp_path):
    _need_browser()
    pytest.importorskip("selenium")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=390,844",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(arg)
    service = Service(CHROMEDRIVER, log_output=str(tmp_path / "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def cli(sh, served: Served, *args: str, input: str | None = None) -> Run:
    r = sh(*args, input=input, extra={"ARANGETRAM_API_URL": served.url})
    assert r.code == 0 and "Traceback" not in r.err, (args, r.err)
    return r


def test_a_guest_answers_in_a_real_browser(served: Served, sh, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    email = f"iyer-{uuid.uuid4().hex[:8]}@example.com"
    cli(
        sh,
        served,
        "auth",
        "register",
        "--email",
        email,
        "--name",
        "The Iyers",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    name = f"Priya's Arangetram {uuid.uuid4().hex[:6]}"
    event = cli(
        sh,
        served,
        "events",
        "create",
        "--name",
        name,
        "--date",
        "2027-06-12",
        "--time",
        "5:30 PM",
        "--guests",
        "150",
        "--no-checklist",
    ).json()
    cli(
        sh,
        served,
        "events",
        "rsvp-note",
        event["id"],
        "Lunch is served after the recital. Please RSVP by May 30.",
    )
    cli(
        sh,
        served,
        "guests",
        "add",
        "The Raos",
        "--party",
        "2",
        "--email",
        "rao@example.com",
        "--event",
        event["id"],
    )
    rows = cli(
        sh, served, "guests", "links", "--event", event["id"], "--base-url", served.url
    ).json()
    link = rows[0]["link"]
    assert link.startswith(f"{served.url}/rsvp/")

    browser.set_window_size(390, 844)
    browser.get(link)
    wait = WebDriverWait(browser, 15)
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert name in browser.find_element(By.TAG_NAME, "h1").text
    assert "Please RSVP by May 30" in browser.page_source
    # a phone: nothing wider than the screen
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390
    browser.find_element(By.CSS_SELECTOR, "label[for=answer-yes]").click()
    party = browser.find_element(By.ID, "party")
    party.clear()
    party.send_keys("3")
    browser.find_element(By.ID, "message").send_keys("Can't wait! <3")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "rsvp-form-390x844.png"
    browser.save_screenshot(str(shot))
    browser.find_element(By.ID, "send").click()
    confirmation = wait.until(ec.visibility_of_element_located((By.ID, "confirmation")))
    assert "yes, attending" in confirmation.text and "party of 3" in confirmation.text
    done_shot = ARTIFACTS / "rsvp-confirmation-390x844.png"
    browser.save_screenshot(str(done_shot))
    print(f"\nscreenshots: {shot} {done_shot}")
    assert shot.stat().st_size > 1000 and done_shot.stat().st_size > 1000

    listed = cli(sh, served, "guests", "list", "--event", event["id"]).json()
    assert [(g["name"], g["rsvp"], g["party"], g["message"]) for g in listed] == [
        ("The Raos", "yes", 3, "Can't wait! <3")
    ]

    # the keyboard alone: focus "Maybe", space to choose it, then Enter on the button
    maybe = browser.find_element(By.ID, "answer-maybe")
    maybe.send_keys(Keys.SPACE)
    assert maybe.is_selected()
    browser.find_element(By.ID, "send").send_keys(Keys.ENTER)
    wait.until(ec.text_to_be_present_in_element((By.ID, "confirmation"), "maybe"))
    guests = cli(sh, served, "guests", "list", "--event", event["id"]).json()
    assert guests[0]["rsvp"] == "maybe"
    assert [h["rsvp"] for h in guests[0]["history"]] == ["yes", "maybe"]
    json.dumps(guests)  # plain JSON all the way

    # a link that opens nothing: the friendly page, which tells nothing
    browser.get(f"{served.url}/rsvp/{'x' * 32}")
    assert "This RSVP link doesn't work" in browser.find_element(By.TAG_NAME, "h1").text
    assert name not in browser.page_source and "Raos" not in browser.page_source
    browser.save_screenshot(str(ARTIFACTS / "rsvp-unknown-link-390x844.png"))
