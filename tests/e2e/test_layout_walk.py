"""A walk through the pages of each role at 375 px and 1366 px (issue 15.10): no button breaks its
words one character per line (查/询, 状/态), no page is wider than the screen, and the controls
wear the red theme, not Bootstrap's blue."""

from __future__ import annotations

import pytest

from renda.accounts.models import Organisation, Role

pytestmark = pytest.mark.django_db(transaction=True)

#: Bootstrap's own blue (#0d6efd) and its focus blue (#86b7fe), as computed colours.
BOOTSTRAP_BLUES = ("rgb(13, 110, 253)", "rgb(134, 183, 254)", "rgb(10, 88, 202)")

PAGES = {
    "admin": [
        "/",
        "/audit/",
        "/accounts/users/",
        "/accounts/organisations/",
        "/accounts/regions/",
        "/calendar/",
    ],
    "staff": ["/", "/suggestions/", "/suggestions/statistics/", "/liaison/work/", "/deputies/"],
    "deputy": ["/", "/suggestions/", "/suggestions/new/"],
    "unit": ["/", "/suggestions/", "/liaison/work/"],
}

CHECK = """() => {
  const wrapped = [];
  document.querySelectorAll('.btn, .nav-link, .page-link, .badge').forEach(el => {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || el.closest('.collapse:not(.show), .dropdown-menu:not(.show)')) return;
    const style = getComputedStyle(el);
    const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
    const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom)
      + parseFloat(style.borderTopWidth) + parseFloat(style.borderBottomWidth);
    if (box.height > padding + line * 1.6) wrapped.push(el.textContent.trim().slice(0, 30));
  });
  const blue = [];
  document.querySelectorAll('.btn-primary, .btn-outline-primary, .page-item.active .page-link, a:not(.btn)')
    .forEach(el => {
      const style = getComputedStyle(el);
      for (const colour of [style.backgroundColor, style.color, style.borderColor]) {
        if (BLUES.includes(colour)) {
          blue.push(el.className + ' ' + el.textContent.trim().slice(0, 20));
          break;
        }
      }
    });
  return {wrapped, blue, width: document.documentElement.scrollWidth, viewport: window.innerWidth};
}"""


@pytest.fixture
def people(make_user, make_organisation):
    office = make_organisation(
        kind=Organisation.Kind.CONGRESS, name="县人大常委会代表工作委员会", code="RD002"
    )
    bureau = make_organisation(kind=Organisation.Kind.DEPARTMENT, name="县住房和城乡建设局")
    return {
        "admin": make_user(Role.ADMIN, real_name="欧阳明华"),
        "staff": make_user(Role.STAFF, organisation=office, real_name="司马建国"),
        "deputy": make_user(Role.DEPUTY, real_name="上官文静"),
        "unit": make_user(Role.UNIT_HANDLER, organisation=bureau, real_name="皇甫志强"),
    }


@pytest.mark.parametrize("width", [375, 1366])
@pytest.mark.parametrize("role", sorted(PAGES))
def test_buttons_keep_their_words_and_pages_fit(browser, live_server, sign_in, shot, people, role, width):
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, people[role])
    problems = []
    for language in ("zh-hans", "en"):
        context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        for url in PAGES[role]:
            response = page.goto(url)
            if response is None or response.status >= 400:
                continue  # a page this role may not open (its refusal is tested elsewhere)
            found = page.evaluate(CHECK.replace("BLUES", repr(list(BOOTSTRAP_BLUES))))
            name = url.strip("/").replace("/", "-") or "workbench"
            if found["wrapped"] or found["blue"] or found["width"] > width:
                shot(page, f"{language}-{name}", full_page=False)
                problems.append((language, url, found))
    shot(page, "last-page", full_page=False)
    context.close()
    assert not problems, problems
